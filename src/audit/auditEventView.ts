/**
 * How the audit trail and the global feed show a stored event: its place in the log, both
 * clocks (ComPilot's and ours), the svix id, and the exact raw body as a string. Bodies larger
 * than the inline limit are left out of lists (`body: null`) so that a page of large deliveries
 * stays small; `rawUrl` fetches the exact bytes of one event (see rawBody.ts).
 */
import { comPilotTime } from '../../projections/customerState.js';
import { isErasedEvent } from '../events/erasedEvent.js';
import type { RecordedEvent } from '../store/eventStore.js';
import type { SignatureProof } from './signatureProof.js';
import { bodyText } from '../lib/bodyText.js';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';

export interface AuditEventView {
  readonly streamName: string;
  readonly revision: number;
  readonly position: string;
  readonly id: string;
  readonly type: string;
  /** The Svix message id, for webhook deliveries; null for events this service wrote. */
  readonly svixId: string | null;
  /** ComPilot's own time of the fact (`updatedAt`/`createdAt`), when the event carries one. */
  readonly comPilotTime: string | null;
  /** When this service received the delivery (or fetched the snapshot). */
  readonly receivedAt: string;
  /** When the store committed the event. */
  readonly recordedAt: string;
  /** Who wrote it: a webhook delivery, enrichment, reconciliation, a refetch, or the service. */
  readonly origin: EventOrigin;
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * The stored bytes as UTF-8, or base64 when `bodyEncoding` says so; null when the body is
   * larger than the inline limit (fetch `rawUrl` instead).
   */
  readonly body: string | null;
  readonly bodyEncoding?: 'base64';
  /** Size of the stored body in bytes. */
  readonly bodyBytes: number;
  /** Path of the exact stored bytes of this event (`GET` it with the same token). */
  readonly rawUrl: string;
  /** Present when the caller asked for re-verification; null for events that are not deliveries. */
  readonly signature?: SignatureProof | null;
  /**
   * True when the event's data was crypto-shredded: `body` is null, and the erasure record in
   * the customer's stream (type `ledger.customer-erased`) says who erased it, when and why.
   */
  readonly erased?: true;
}

/** Bodies up to this size are inlined in lists: 64 KiB. */
export const INLINE_BODY_MAX_BYTES = 64 * 1024;

export function toAuditEventView(
  event: RecordedEvent,
  inlineBodyMaxBytes: number = INLINE_BODY_MAX_BYTES,
): AuditEventView {
  const erased = isErasedEvent(event);
  const inline = event.data.length <= inlineBodyMaxBytes && !erased;
  const body = inline ? bodyText(event.data) : undefined;
  const svixId = event.metadata.svixId;
  return {
    streamName: event.streamName,
    revision: Number(event.revision),
    position: event.position,
    id: event.id,
    type: event.type,
    svixId: typeof svixId === 'string' ? svixId : null,
    comPilotTime: comPilotTimeOf(event) ?? null,
    receivedAt: receivedAt(event).toISOString(),
    recordedAt: event.recordedAt.toISOString(),
    origin: eventOrigin(event),
    metadata: event.metadata,
    body: body?.text ?? null,
    ...(body?.base64 ? { bodyEncoding: 'base64' as const } : {}),
    bodyBytes: event.data.length,
    rawUrl: rawUrlOf(event),
    ...(erased ? { erased: true as const } : {}),
  };
}

export const EVENT_ORIGINS = [
  'webhook',
  'enrichment',
  'reconciliation',
  'refetch',
  'service',
] as const;
export type EventOrigin = (typeof EVENT_ORIGINS)[number];

/**
 * Why an event is in the log. A snapshot from reconciliation (metadata `reconciliation`, see
 * src/reconcile/) is told apart from one enrichment fetched for a webhook, so an auditor sees
 * which facts the webhooks missed.
 */
export function eventOrigin(event: RecordedEvent): EventOrigin {
  if (typeof event.metadata.svixId === 'string') return 'webhook';
  if (event.metadata.reconciliation !== undefined) return 'reconciliation';
  if (typeof event.metadata.refetchRunId === 'string') return 'refetch';
  if (event.type === DETAILS_EVENT_TYPE || event.type === NOT_FOUND_EVENT_TYPE) return 'enrichment';
  return 'service';
}

/** The path of GET /streams/{streamName}/events/{revision}/raw for this event. */
export function rawUrlOf(event: Pick<RecordedEvent, 'streamName' | 'revision'>): string {
  return `/streams/${encodeURIComponent(event.streamName)}/events/${event.revision}/raw`;
}

/** Our receipt time: the delivery's `receivedAt`, a snapshot's `fetchedAt`, else the commit time. */
export function receivedAt(event: RecordedEvent): Date {
  for (const key of ['receivedAt', 'fetchedAt']) {
    const value = event.metadata[key];
    if (typeof value === 'string') {
      const time = new Date(value);
      if (!Number.isNaN(time.getTime())) return time;
    }
  }
  return event.recordedAt;
}

/** ComPilot's time of the event as an ISO string, or undefined when it carries none. */
export function comPilotTimeOf(event: RecordedEvent): string | undefined {
  try {
    return comPilotTime(event);
  } catch {
    // A body that is not a JSON object has no ComPilot time; the event is still shown.
    return undefined;
  }
}
