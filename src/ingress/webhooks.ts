import { hash } from 'node:crypto';
import type { Middleware } from 'koa';
import { QUARANTINE_STREAM, streamCategory } from '../events/streams.js';
import {
  isWebhookEventType,
  QUARANTINED_EVENT_TYPE,
  type QuarantineMetadata,
  type WebhookMetadata,
} from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import {
  EventStoreError,
  StoreUnavailableError,
  type EventStore,
  type NewEvent,
} from '../store/eventStore.js';
import type { SchemaSet } from '../validation/schemas.js';
import { classifyDelivery, type Classification } from './classify.js';
import {
  appendDelivery,
  conflictEntryId,
  deliveryEventId,
  quarantineEntryId,
  type StoredDelivery,
} from './deliveryIdentity.js';
import type { IngressMetrics } from './ingressMetrics.js';
import { getRawBody } from './rawBody.js';
import {
  WebhookRejectedError,
  type VerifiedDelivery,
  type WebhookVerifier,
} from './verifyWebhook.js';

export interface WebhookHandlerDeps {
  readonly store: EventStore;
  readonly verify: WebhookVerifier;
  readonly schemas: SchemaSet;
  readonly metrics: IngressMetrics;
  readonly logger: Logger;
  readonly clock: () => Date;
}

/**
 * `POST /webhooks/compilot`, after `rawBody`. Verifies the exact bytes (401 otherwise), then
 * appends them byte-exact to the event's stream, or to `quarantine` when the body is not JSON,
 * names an unknown event type or fails its schema. The event id derives from the svix id, so a
 * redelivery is recognised by the store and answered `{ duplicate: true }` without a write; a
 * svix id already stored with another body is kept as a `svix-id-conflict` quarantine entry
 * (see deliveryIdentity.ts), answered 2xx and logged at warn.
 * The answer comes only after the append is durable; store errors propagate (503, not acked).
 */
export function webhookHandler(deps: WebhookHandlerDeps): Middleware {
  return async function receiveWebhook(ctx) {
    const receivedAt = deps.clock();
    const raw = getRawBody(ctx.state);
    let delivery: VerifiedDelivery;
    try {
      delivery = deps.verify(raw, ctx.headers);
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        deps.metrics.delivery('rejected', error.reason);
        deps.logger.warn(
          { outcome: 'rejected', reason: error.reason, status: 401, bytes: raw.length },
          'webhook',
        );
      }
      throw error;
    }

    const classification = classifyDelivery(delivery.body, deps.schemas);
    const metadata = webhookMetadata(
      raw,
      delivery,
      receivedAt,
      ctx.get('Content-Type'),
      deps.schemas.version,
    );
    const event = toNewEvent(raw, delivery.svixId, metadata, classification);
    const started = performance.now();
    let stored: StoredOutcome;
    try {
      stored = await storeDelivery(deps.store, classification.streamName, event, metadata);
    } catch (error) {
      const reason = error instanceof StoreUnavailableError ? 'store-unavailable' : 'append-error';
      deps.metrics.delivery('failed', reason);
      deps.logger.warn(
        { outcome: 'failed', reason, svixId: delivery.svixId, bytes: raw.length },
        'webhook',
      );
      throw error;
    }
    deps.metrics.observeAppend((performance.now() - started) / 1000);

    const conflictsWith = stored.conflictsWith;
    const conflict = conflictsWith !== undefined;
    const quarantined = classification.kind === 'quarantine' || conflict;
    const outcome = stored.duplicate ? 'duplicate' : quarantined ? 'quarantined' : 'stored';
    const reason = conflict
      ? 'svix-id-conflict'
      : classification.kind === 'quarantine'
        ? classification.reason
        : undefined;
    deps.metrics.delivery(outcome, reason);
    if (conflict) deps.metrics.svixIdConflict();
    // Nothing taken from the body is logged but known enum values: the stream name holds the
    // customer or alert id, so only its category is; eventId and position find the event.
    const fields = {
      outcome,
      reason,
      svixId: delivery.svixId,
      eventId: stored.eventId,
      ...loggableEventType(classification.eventType),
      streamCategory: streamCategory(stored.streamName),
      position: stored.position,
      bytes: raw.length,
      ...(classification.kind === 'quarantine' && !conflict
        ? { errorCount: classification.errors.length }
        : {}),
      ...(conflictsWith === undefined
        ? {}
        : {
            conflictsWith: {
              streamCategory: streamCategory(conflictsWith.streamName),
              eventId: conflictsWith.eventId,
              position: conflictsWith.position,
            },
          }),
    };
    if (conflict) {
      deps.logger.warn(
        fields,
        'webhook: svix id already stored with another body; kept in quarantine',
      );
    } else {
      deps.logger.info(fields, 'webhook');
    }
    ctx.status = 200;
    ctx.body = {
      ...(stored.duplicate ? { duplicate: true } : { stored: true }),
      ...(quarantined ? { quarantined: true, reason } : {}),
      eventId: stored.eventId,
      stream: stored.streamName,
      position: stored.position,
    };
  };
}

interface StoredOutcome {
  readonly duplicate: boolean;
  readonly eventId: string;
  readonly streamName: string;
  readonly position: string;
  /** Set when the svix id was already stored with another body (then kept in quarantine). */
  readonly conflictsWith?: StoredDelivery;
}

/**
 * Appends the delivery; when its svix id is already stored with other bytes, keeps it as a
 * `svix-id-conflict` quarantine entry instead (one per distinct body), so no body is ever
 * dropped and the original is never touched.
 */
async function storeDelivery(
  store: EventStore,
  streamName: string,
  event: NewEvent,
  metadata: WebhookMetadata,
): Promise<StoredOutcome> {
  const first = await appendDelivery(store, streamName, event);
  if (first.kind !== 'conflict') {
    const duplicate = first.kind === 'duplicate';
    return { duplicate, eventId: event.id, streamName, position: first.position };
  }
  const existing = first.existing;
  const conflictMetadata: QuarantineMetadata & { conflictsWith: StoredDelivery } = {
    ...metadata,
    quarantineReason: 'svix-id-conflict',
    errors: [{ path: '', message: 'the svix id is already stored with another body' }],
    conflictsWith: existing,
  };
  const entry: NewEvent = {
    id: conflictEntryId(metadata.svixId, metadata.bodySha256),
    type: QUARANTINED_EVENT_TYPE,
    data: event.data,
    metadata: { ...conflictMetadata },
  };
  const kept = await appendDelivery(store, QUARANTINE_STREAM, entry);
  if (kept.kind === 'conflict') {
    // The entry id covers the body digest: only a tampered store gets here.
    throw new EventStoreError(`conflict entry ${entry.id} is stored with another body`);
  }
  return {
    duplicate: kept.kind === 'duplicate',
    eventId: entry.id,
    streamName: QUARANTINE_STREAM,
    position: kept.position,
    conflictsWith: existing,
  };
}

/**
 * The claimed event type as it may be logged: one of the eight as is; anything else, which can
 * be any text the sender chose (an email address, say), only as `unknown` and its length.
 */
function loggableEventType(claimed: string | undefined): {
  eventType?: string;
  eventTypeLength?: number;
} {
  if (claimed === undefined) return {};
  if (isWebhookEventType(claimed)) return { eventType: claimed };
  return { eventType: 'unknown', eventTypeLength: claimed.length };
}

function webhookMetadata(
  raw: Buffer,
  delivery: VerifiedDelivery,
  receivedAt: Date,
  contentType: string,
  schemaVersion: string,
): WebhookMetadata {
  return {
    svixId: delivery.svixId,
    svixTimestamp: delivery.svixTimestamp,
    svixSignature: delivery.svixSignature,
    headerScheme: delivery.headerScheme,
    receivedAt: receivedAt.toISOString(),
    bodySha256: hash('sha256', raw, 'hex'),
    schemaVersion,
    ...(contentType === '' ? {} : { contentType }),
  };
}

function toNewEvent(
  raw: Buffer,
  svixId: string,
  metadata: WebhookMetadata,
  classification: Classification,
): NewEvent {
  if (classification.kind === 'event') {
    const id = deliveryEventId(svixId);
    return { id, type: classification.eventType, data: raw, metadata: { ...metadata } };
  }
  const quarantineMetadata: QuarantineMetadata = {
    ...metadata,
    quarantineReason: classification.reason,
    ...(classification.eventType === undefined ? {} : { eventType: classification.eventType }),
    errors: classification.errors,
  };
  return {
    id: quarantineEntryId(svixId),
    type: QUARANTINED_EVENT_TYPE,
    data: raw,
    metadata: { ...quarantineMetadata },
  };
}
