import { alertStream, customerStream, QUARANTINE_STREAM } from '../events/streams.js';
import {
  isWebhookEventType,
  type QuarantineReason,
  type WebhookEventType,
} from '../events/types.js';
import type { SchemaSet, ValidationError } from '../validation/schemas.js';
import type { ParsedBody } from './verifyWebhook.js';

export type Classification =
  | {
      readonly kind: 'event';
      readonly eventType: WebhookEventType;
      readonly streamName: string;
    }
  | {
      readonly kind: 'quarantine';
      readonly streamName: typeof QUARANTINE_STREAM;
      readonly reason: QuarantineReason;
      /** The eventType the body claimed, when it named one. */
      readonly eventType?: string;
      readonly errors: readonly ValidationError[];
    };

/**
 * Decides where a verified delivery goes: its event type and stream, or the quarantine stream
 * with the reason. Never throws for any body: a verified delivery is never refused for its content.
 */
export function classifyDelivery(body: ParsedBody, schemas: SchemaSet): Classification {
  if (!body.ok) return quarantine('not-json', [{ path: '', message: body.message }]);
  const claimed = claimedEventType(body.value);
  if (!isWebhookEventType(claimed)) {
    const message =
      claimed === undefined
        ? 'body has no string eventType'
        : `eventType is not one this service handles`;
    return quarantine('unknown-event-type', [{ path: '/eventType', message }], claimed);
  }
  const result = schemas.validate(claimed, body.value);
  if (!result.ok) return quarantine('schema-invalid', result.errors, claimed);
  return { kind: 'event', eventType: claimed, streamName: streamFor(claimed, body.value) };
}

/** Only called after schema validation, which requires the routing fields. */
function streamFor(eventType: WebhookEventType, body: unknown): string {
  const payload = (body as { payload: { id: string; customerId: string } }).payload;
  switch (eventType) {
    case 'alert.created':
    case 'alert.updated':
    case 'alert.deleted':
      return alertStream(payload.id);
    case 'customer.created':
    case 'customer.updated':
    case 'customer.deleted':
    case 'send.scenario':
    case 'send.verification.flow':
      return customerStream(payload.customerId);
  }
}

function claimedEventType(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const eventType = (value as Record<string, unknown>).eventType;
  return typeof eventType === 'string' ? eventType : undefined;
}

function quarantine(
  reason: QuarantineReason,
  errors: readonly ValidationError[],
  eventType?: string,
): Classification {
  return {
    kind: 'quarantine',
    streamName: QUARANTINE_STREAM,
    reason,
    ...(eventType === undefined ? {} : { eventType }),
    errors,
  };
}
