/**
 * The records retention and erasure write into the log: an offboarding record (the end of the
 * business relationship, when ComPilot never sent `customer.deleted` or it came too early) and
 * its withdrawal (the customer came back), retention holds and their release, the
 * erasure record (what was erased, why, on whose authority), and the markers that let
 * projections keyed per alert or per KYC observation purge their rows purely. None of them
 * carries personal data: ids, dates, event types, positions and hashes only; they stay readable
 * after the customer's data key is destroyed, so they are what remains.
 */

export const OFFBOARDED_EVENT_TYPE = 'ledger.customer-offboarded';
/** The offboardings recorded before it no longer end the relationship (the customer came back). */
export const OFFBOARDING_WITHDRAWN_EVENT_TYPE = 'ledger.customer-offboarding-withdrawn';
/** Keep the customer's data past its retention period (an authority asked, an investigation). */
export const HOLD_PLACED_EVENT_TYPE = 'ledger.customer-retention-hold';
/** Every hold placed before it ends. */
export const HOLD_RELEASED_EVENT_TYPE = 'ledger.customer-retention-hold-released';
export const ERASED_EVENT_TYPE = 'ledger.customer-erased';
/** In each alert stream of an erased customer: the alert's customer fields are purged. */
export const ALERT_PURGE_EVENT_TYPE = 'ledger.alert-customer-erased';
/** In the erased customer's stream, one per KYC observation: the observation becomes a stub. */
export const KYC_PURGE_EVENT_TYPE = 'ledger.kyc-observation-erased';

export const RETENTION_EVENT_TYPES: readonly string[] = [
  OFFBOARDED_EVENT_TYPE,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
  ERASED_EVENT_TYPE,
  ALERT_PURGE_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
];

export interface OffboardedData {
  readonly customerId: string;
  /** When the business relationship ended (ISO time, given by the operator). */
  readonly offboardedAt: string;
  readonly reason: string;
  readonly recordedAt: string;
}

export interface OffboardingWithdrawnData {
  readonly customerId: string;
  /** The end of relationship the offboardings said (the newest of them), now withdrawn. */
  readonly withdrawnOffboardedAt: string;
  readonly reason: string;
  readonly recordedAt: string;
}

export interface RetentionHoldData {
  readonly customerId: string;
  /** Why, on whose authority (no personal data). */
  readonly reason: string;
  /** Until when the data must be kept (ISO time); null: until the hold is released. */
  readonly until: string | null;
  readonly recordedAt: string;
}

export interface RetentionHoldReleasedData {
  readonly customerId: string;
  readonly reason: string;
  readonly recordedAt: string;
}

/** One event the erasure made unreadable. */
export interface AffectedEvent {
  readonly stream: string;
  readonly revision: number;
  readonly position: string;
  readonly eventId: string;
  readonly type: string;
  /** Hex SHA-256 of the plaintext body, so a copy of the data can still be matched to it. */
  readonly bodySha256: string;
}

/** A KYC observation reduced to what stays: dates, ids, types, no values. */
export interface KycStub {
  readonly kind: 'state' | 'scenario' | 'verification-flow';
  readonly at: string;
  readonly type: string;
  readonly id: string;
  readonly position: string;
  readonly svixId: string | null;
  readonly tie: string;
  readonly executionId?: string;
}

/** An alert without its customer's personal fields. */
export interface AlertStub {
  readonly alertId: string;
  readonly status: string | null;
  readonly severity: string | null;
  readonly workflowName: string | null;
  readonly workflowId: string | null;
  readonly scenarioAlertCount: number | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly deleted: boolean;
  readonly deletedAt: string | null;
}

export type RelationshipEndSource = 'customer.deleted' | 'offboarded';

export interface ErasedData {
  readonly customerId: string;
  readonly erasedAt: string;
  /** Who asked for it: an operator name, or `retention-schedule`. */
  readonly by: string;
  readonly reason: string;
  /** The legal basis given with --override, when the retention period had not ended. */
  readonly override: string | null;
  readonly relationshipEnd: { readonly at: string; readonly source: RelationshipEndSource } | null;
  /** When the retention period ended (or would have), null without an end of relationship. */
  readonly erasableFrom: string | null;
  /** What the customer-state stub keeps. */
  readonly customer: {
    readonly createdAt: string | null;
    readonly deleted: boolean;
    readonly deletedAt: string | null;
    /**
     * When ComPilot last reported the customer not deleted (retention's `restoredAt`), so that
     * the retention projection keeps it once the events saying so are unreadable. Absent from
     * records written before it was kept.
     */
    readonly restoredAt?: string | null;
  };
  readonly count: number;
  readonly events: readonly AffectedEvent[];
  /** Keyed by kyc-history observation key. */
  readonly kyc: readonly { readonly key: string; readonly stub: KycStub }[];
  readonly alerts: readonly AlertStub[];
}

export interface AlertPurgeData {
  readonly customerId: string;
  readonly erasureId: string;
  readonly erasedAt: string;
  readonly alert: AlertStub;
}

export interface KycPurgeData {
  readonly customerId: string;
  readonly erasureId: string;
  readonly key: string;
  readonly stub: KycStub;
}

export function encodeRecord(data: object): Buffer {
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/** The data of one of these records; they are written only by this service, as JSON objects. */
export function recordData<T>(event: { readonly data: Uint8Array }): T {
  return JSON.parse(Buffer.from(event.data).toString('utf8')) as T;
}
