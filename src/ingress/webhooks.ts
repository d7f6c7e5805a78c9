import { hash } from 'node:crypto';
import type { Middleware } from 'koa';
import { streamCategory } from '../events/streams.js';
import {
  isWebhookEventType,
  QUARANTINED_EVENT_TYPE,
  type QuarantineMetadata,
  type WebhookMetadata,
} from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import {
  StoreUnavailableError,
  type AppendResult,
  type EventStore,
  type NewEvent,
} from '../store/eventStore.js';
import type { SchemaSet } from '../validation/schemas.js';
import { classifyDelivery, type Classification } from './classify.js';
import type { IngressMetrics } from './metrics.js';
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
 * redelivery is recognised by the store and answered `{ duplicate: true }` without a write.
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
    const event = toNewEvent(
      raw,
      delivery,
      classification,
      receivedAt,
      ctx.get('Content-Type'),
      deps.schemas.version,
    );
    const started = performance.now();
    let result: AppendResult;
    try {
      result = await deps.store.appendToStream(classification.streamName, [event], {
        expected: 'any',
      });
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

    const quarantined = classification.kind === 'quarantine';
    const outcome = result.duplicate ? 'duplicate' : quarantined ? 'quarantined' : 'stored';
    const reason = quarantined ? classification.reason : undefined;
    deps.metrics.delivery(outcome, reason);
    // Nothing taken from the body is logged but known enum values: the stream name holds the
    // customer or alert id, so only its category is; eventId and position find the event.
    deps.logger.info(
      {
        outcome,
        reason,
        svixId: delivery.svixId,
        eventId: event.id,
        ...loggableEventType(classification.eventType),
        streamCategory: streamCategory(classification.streamName),
        position: result.position,
        bytes: raw.length,
        ...(quarantined ? { errorCount: classification.errors.length } : {}),
      },
      'webhook',
    );
    ctx.status = 200;
    ctx.body = {
      ...(result.duplicate ? { duplicate: true } : { stored: true }),
      ...(quarantined ? { quarantined: true, reason } : {}),
      eventId: event.id,
      stream: classification.streamName,
      position: result.position,
    };
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

function toNewEvent(
  raw: Buffer,
  delivery: VerifiedDelivery,
  classification: Classification,
  receivedAt: Date,
  contentType: string,
  schemaVersion: string,
): NewEvent {
  const metadata: WebhookMetadata = {
    svixId: delivery.svixId,
    svixTimestamp: delivery.svixTimestamp,
    svixSignature: delivery.svixSignature,
    headerScheme: delivery.headerScheme,
    receivedAt: receivedAt.toISOString(),
    bodySha256: hash('sha256', raw, 'hex'),
    schemaVersion,
    ...(contentType === '' ? {} : { contentType }),
  };
  const id = uuidv5(delivery.svixId);
  if (classification.kind === 'event') {
    return { id, type: classification.eventType, data: raw, metadata: { ...metadata } };
  }
  const quarantineMetadata: QuarantineMetadata = {
    ...metadata,
    quarantineReason: classification.reason,
    ...(classification.eventType === undefined ? {} : { eventType: classification.eventType }),
    errors: classification.errors,
  };
  return { id, type: QUARANTINED_EVENT_TYPE, data: raw, metadata: { ...quarantineMetadata } };
}
