/**
 * Event types and metadata shapes shared by ingress (which writes webhooks), the enrichment
 * reactor (which writes details snapshots), projections and audit queries (which read both).
 */

export const WEBHOOK_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'send.scenario',
  'send.verification.flow',
  'alert.created',
  'alert.updated',
  'alert.deleted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** Customer events that make the enrichment reactor fetch `/customers/{id}/details`. */
export const CUSTOMER_EVENT_TYPES: readonly WebhookEventType[] = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'send.scenario',
  'send.verification.flow',
];

export const QUARANTINED_EVENT_TYPE = 'quarantined';
export const DETAILS_EVENT_TYPE = 'compilot.customer.details';
export const NOT_FOUND_EVENT_TYPE = 'compilot.customer.not-found';
/** Written by `quarantine replay` into the proper stream; data = the original raw bytes. */
export const REPLAYED_METADATA_KEY = 'replayedFrom';

/** Metadata of every stored webhook delivery (also of quarantined ones). */
export interface WebhookMetadata {
  readonly svixId: string;
  readonly svixTimestamp: string;
  /** The full signature header as received (space-separated `v1,<b64>` entries). */
  readonly svixSignature: string;
  /** Which header family carried it: `svix-*` or the unbranded `webhook-*`. */
  readonly headerScheme: 'svix' | 'webhook';
  /** ISO time this service received the delivery. */
  readonly receivedAt: string;
  /** Hex sha256 of the raw body bytes. */
  readonly bodySha256: string;
  /** Version of the schemas/ set the body was validated with. */
  readonly schemaVersion: string;
  readonly contentType?: string;
}

/**
 * Why a verified delivery was quarantined: its body is not JSON, names no event type this service
 * handles, fails its event type's schema, routes by an id that is not a plausible ComPilot id
 * (see ids.ts), or (`svix-id-conflict`) its svix id is already stored with another body (the
 * entry then also names the stored event in `conflictsWith`).
 */
export type QuarantineReason =
  'not-json' | 'unknown-event-type' | 'schema-invalid' | 'invalid-id' | 'svix-id-conflict';

export interface QuarantineMetadata extends WebhookMetadata {
  readonly quarantineReason: QuarantineReason;
  /** The eventType the body claimed, when it had one. */
  readonly eventType?: string;
  /** ajv errors (instancePath, message) or the parse error message. */
  readonly errors: readonly { readonly path: string; readonly message: string }[];
}

/** Metadata of a `compilot.customer.details` / `compilot.customer.not-found` event. */
export interface DetailsMetadata {
  readonly fetchedAt: string;
  readonly apiPath: string;
  readonly httpStatus: number;
  /** The webhook event that caused the fetch (the first one, when several were coalesced). */
  readonly causationId: string;
  readonly causationPosition: string;
  /** Every causing event this fetch accounts for (coalescing). */
  readonly causedBy: readonly { readonly id: string; readonly position: string }[];
}

/**
 * Metadata of a details/not-found event written by `rebuild --refetch`: an operator asked for
 * fresh details of every known customer, so there is no causing webhook, only the run.
 */
export interface RefetchMetadata {
  readonly fetchedAt: string;
  readonly apiPath: string;
  readonly httpStatus: number;
  /** One id per `rebuild --refetch` run. */
  readonly refetchRunId: string;
  /** The customer's latest event when the run fetched (there is no causing webhook). */
  readonly causationId: string;
  readonly causationPosition: string;
}
