/**
 * Adapts the read-model query functions (src/readmodel/queries.ts) to {@link QueryReadModel}:
 * an unknown customer's empty history becomes "unknown". (A cursor those functions did not issue
 * throws InvalidCursorError, which every HTTP error mapper answers as a 400 naming `cursor`.)
 */
import type Database from 'better-sqlite3';
import {
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  listAlerts,
  listCustomers,
} from './queries.js';
import { listDueCustomers } from './retentionQueries.js';
import {
  findCustomerIdsByEmail,
  findCustomerIdsByExternalId,
  listRecentCustomerIds,
} from './customerSearch.js';
import type { QueryReadModel } from './readModel.js';

export function openQueryReadModel(db: Database.Database): QueryReadModel {
  return {
    getCustomer: (customerId) => getCustomer(db, customerId),
    listCustomers: (filter) => listCustomers(db, filter),
    getKycHistory(customerId) {
      const entries = getKycHistory(db, customerId);
      return entries.length === 0 && getCustomer(db, customerId) === undefined
        ? undefined
        : entries;
    },
    getAlert: (alertId) => getAlert(db, alertId),
    listAlerts: (filter) => listAlerts(db, filter),
    findWalletOwners: (address) => findWalletOwners(db, address),
    findCustomerIds: (key, value) =>
      key === 'email' ? findCustomerIdsByEmail(db, value) : findCustomerIdsByExternalId(db, value),
    listRecentCustomerIds: (filter) => listRecentCustomerIds(db, filter),
    listDueCustomers: (now, retentionDays, limit) =>
      listDueCustomers(db, now, retentionDays, limit),
  };
}
