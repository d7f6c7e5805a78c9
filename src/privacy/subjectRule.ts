/**
 * Which events are personal data, and whose: the subject rule of encryption at rest.
 *
 * An event is encrypted under customer C's data key when
 * - it is in stream `customer-C` (webhooks, details and not-found snapshots), or
 * - it is an alert webhook (stream `alert-…`) or a quarantine entry whose JSON body names
 *   `payload.customerId` = C: an alert is about its customer, anti-money-laundering rules keep it
 *   as long as the customer's records, and erasing the customer must make it unreadable too.
 * Everything else stays plaintext: quarantine bodies that name no customer (not JSON, no
 * customerId), the ledger, checkpoint and reconciliation streams, and the event types in
 * NEVER_ENCRYPTED_TYPES (records about the data, such as an erasure record, which must stay
 * readable after the key is gone). Metadata is never encrypted: it holds ids, times, hashes and
 * signatures, never personal data (ingress and the enrichment reactor put nothing else there).
 */
import { RETENTION_EVENT_TYPES } from '../events/retentionEvents.js';
import { streamCategory, streamEntityId } from '../events/streams.js';

/** Types written into customer streams that must stay readable after erasure. */
export const NEVER_ENCRYPTED_TYPES: ReadonlySet<string> = new Set<string>(
  // Offboarding and erasure records and the purge markers: ids, dates and hashes only, and
  // what remains readable of an erased customer (docs/retention.md).
  RETENTION_EVENT_TYPES,
);

export function subjectOf(streamName: string, type: string, data: Uint8Array): string | undefined {
  if (NEVER_ENCRYPTED_TYPES.has(type)) return undefined;
  switch (streamCategory(streamName)) {
    case 'customer':
      return streamEntityId(streamName);
    case 'alert':
    case 'quarantine':
      return customerNamedBy(data);
    case 'other':
      return undefined;
  }
}

function customerNamedBy(data: Uint8Array): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch {
    return undefined;
  }
  const payload = (body as { payload?: unknown } | null)?.payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const customerId = (payload as Record<string, unknown>).customerId;
  return typeof customerId === 'string' && customerId !== '' ? customerId : undefined;
}
