/**
 * What the query API reads from the read model. The router depends on this interface only;
 * `openQueryReadModel` adapts the read-model query functions (src/readmodel/queries.ts) to it.
 */
import type { KycHistoryEntry } from '../../projections/kycHistory.js';
import type { AlertStatus, CustomerStatus, RiskScore } from './vocabulary.js';

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  readonly nextCursor: string | null;
}

export interface QueryReadModel {
  getCustomer(customerId: string): unknown;
  listCustomers(filter: {
    readonly status?: CustomerStatus;
    readonly riskScore?: RiskScore;
    readonly limit: number;
    readonly cursor?: string;
    /** Cap on the serialised page. */
    readonly maxBytes?: number;
  }): Page<unknown>;
  /** Undefined when the customer is unknown. */
  getKycHistory(customerId: string): readonly KycHistoryEntry[] | undefined;
  getAlert(alertId: string): unknown;
  listAlerts(filter: {
    readonly customerId?: string;
    readonly status?: AlertStatus;
    readonly limit: number;
    readonly cursor?: string;
    /** Cap on the serialised page. */
    readonly maxBytes?: number;
  }): Page<unknown>;
  findWalletOwners(address: string): readonly unknown[];
  /** Customer ids with this external customer id, or this email (any letter case). */
  findCustomerIds(key: 'externalCustomerId' | 'email', value: string): readonly string[];
  /** Customer ids, most recently changed first. */
  listRecentCustomerIds(filter: {
    readonly status?: CustomerStatus;
    readonly riskScore?: RiskScore;
    readonly limit: number;
  }): readonly string[];
}
