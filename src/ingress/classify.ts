import { idProblem } from '../events/ids.js';
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
  // An implausible id is named as such whatever else is wrong (for customer events a non-UUID
  // would otherwise read as a mere format error); the schema errors are kept beside it.
  const idErrors = implausibleIds(claimed, body.value);
  const schemaErrors = result.ok ? [] : result.errors;
  if (idErrors.length > 0) return quarantine('invalid-id', [...idErrors, ...schemaErrors], claimed);
  if (!result.ok) return quarantine('schema-invalid', result.errors, claimed);
  const payload = (body.value as { payload: RoutingFields }).payload;
  return { kind: 'event', eventType: claimed, streamName: streamFor(claimed, payload) };
}

/** Present and strings once schema validation passed: every schema requires them. */
interface RoutingFields {
  readonly id: string;
  readonly customerId: string;
}

/**
 * Every id of the payload that routes the event or names a ComPilot resource must be plausible
 * (ids.ts): the vendor schemas accept any string for most of them, but a stream name or an API
 * path cannot be built from `..` or `a/b`. Only string ids are judged here (a missing or
 * non-string id is the schema's to report). The messages name the field, never the id.
 */
function implausibleIds(eventType: WebhookEventType, body: unknown): ValidationError[] {
  const payload = (body as { payload?: unknown }).payload;
  if (typeof payload !== 'object' || payload === null) return [];
  const fields: (keyof RoutingFields)[] = eventType.startsWith('alert.')
    ? ['id', 'customerId']
    : ['customerId'];
  const errors: ValidationError[] = [];
  for (const field of fields) {
    const id = (payload as Record<string, unknown>)[field];
    const problem = typeof id === 'string' ? idProblem(id) : undefined;
    if (problem !== undefined) {
      errors.push({
        path: `/payload/${field}`,
        message: `not a plausible ComPilot id: ${problem}`,
      });
    }
  }
  return errors;
}

function streamFor(eventType: WebhookEventType, payload: RoutingFields): string {
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
