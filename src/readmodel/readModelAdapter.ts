/**
 * Adapts the read-model query functions (src/readmodel/queries.ts) to {@link QueryReadModel}:
 * a cursor those functions did not issue becomes a 400 naming `cursor`, and an unknown customer's
 * empty history becomes "unknown".
 */
import type Database from 'better-sqlite3';
import {
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  InvalidCursorError,
  listAlerts,
  listCustomers,
} from './queries.js';
import {
  findCustomerIdsByEmail,
  findCustomerIdsByExternalId,
  listRecentCustomerIds,
} from './customerSearch.js';
import { badParameter } from '../http/clientErrors.js';
import type { QueryReadModel } from './readModel.js';

export function openQueryReadModel(db: Database.Database): QueryReadModel {
  return {
    getCustomer: (customerId) => getCustomer(db, customerId),
    listCustomers: (filter) => withCursorCheck(() => listCustomers(db, filter)),
    getKycHistory(customerId) {
      const entries = getKycHistory(db, customerId);
      return entries.length === 0 && getCustomer(db, customerId) === undefined
        ? undefined
        : entries;
    },
    getAlert: (alertId) => getAlert(db, alertId),
    listAlerts: (filter) => withCursorCheck(() => listAlerts(db, filter)),
    findWalletOwners: (address) => findWalletOwners(db, address),
    findCustomerIds: (key, value) =>
      key === 'email' ? findCustomerIdsByEmail(db, value) : findCustomerIdsByExternalId(db, value),
    listRecentCustomerIds: (filter) => listRecentCustomerIds(db, filter),
  };
}

function withCursorCheck<T>(query: () => T): T {
  try {
    return query();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw badParameter(
        'cursor',
        'is not a cursor issued by this API (pass nextCursor back unchanged)',
      );
    }
    throw error;
  }
}
