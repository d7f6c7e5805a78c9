/**
 * How the audit trail and the global feed show a stored event: its place in the log, both
 * clocks (ComPilot's and ours), the svix id, and the exact raw body as a string.
 */
import { comPilotTime } from '../../projections/customerState.js';
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
  /** The stored bytes as UTF-8, or base64 when `bodyEncoding` says so. */
  readonly body: string;
  readonly bodyEncoding?: 'base64';
  /** Present when the caller asked for re-verification; null for events that are not deliveries. */
  readonly signature?: SignatureProof | null;
}

export function toAuditEventView(event: RecordedEvent): AuditEventView {
  const body = bodyText(event.data);
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
    body: body.text,
    ...(body.base64 ? { bodyEncoding: 'base64' as const } : {}),
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
