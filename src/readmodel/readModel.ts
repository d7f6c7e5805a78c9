/**
 * What the query API reads from the read model. The HTTP router and the viewer depend on this interface only;
 * `openQueryReadModel` adapts the read-model query functions (src/readmodel/queries.ts) to it.
 */
import type { KycHistoryEntry } from '../../projections/kycHistory.js';
import type { Page } from './cursor.js';
import type { AlertRecord, CustomerRecord, CustomerSummary, WalletOwner } from './queries.js';
import type { RetentionDue } from './retentionQueries.js';
import type { AlertStatus, CustomerStatus, RiskScore } from './vocabulary.js';

export interface QueryReadModel {
  getCustomer(customerId: string): CustomerRecord | undefined;
  listCustomers(filter: {
    readonly status?: CustomerStatus;
    readonly riskScore?: RiskScore;
    readonly limit: number;
    readonly cursor?: string;
    /** Cap on the serialised page. */
    readonly maxBytes?: number;
  }): Page<CustomerSummary>;
  /** Undefined when the customer is unknown. */
  getKycHistory(customerId: string): readonly KycHistoryEntry[] | undefined;
  getAlert(alertId: string): AlertRecord | undefined;
  listAlerts(filter: {
    readonly customerId?: string;
    readonly status?: AlertStatus;
    readonly limit: number;
    readonly cursor?: string;
    /** Cap on the serialised page. */
    readonly maxBytes?: number;
  }): Page<AlertRecord>;
  findWalletOwners(address: string): readonly WalletOwner[];
  /** Customer ids with this external customer id, or this email (any letter case). */
  findCustomerIds(key: 'externalCustomerId' | 'email', value: string): readonly string[];
  /** Customer ids, most recently changed first. */
  listRecentCustomerIds(filter: {
    readonly status?: CustomerStatus;
    readonly riskScore?: RiskScore;
    readonly limit: number;
  }): readonly string[];
  /**
   * Who is due for erasure at `now`, and who a hold keeps (at most `limit` of each, all
   * counted); undefined until the projection has it.
   */
  listDueCustomers(now: Date, retentionDays: number, limit?: number): RetentionDue | undefined;
}
