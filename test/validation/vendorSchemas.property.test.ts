/**
 * Every payload ComPilot's own published zod schemas accept is classified as its event type by
 * the real classifier: generated from the vendor package (@nexeraid/identity-schemas, the version
 * pinned in package.json and named in schemas/index.json `comparedWith`), not from our reading.
 * The one deliberate difference is the id rule: a routing id that is not a plausible ComPilot id
 * (see src/events/ids.ts) is quarantined as `invalid-id`, never as `schema-invalid`.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import * as vendor from '@nexeraid/identity-schemas/webhooks';
import { idProblem } from '../../src/events/ids.js';
import type { WebhookEventType } from '../../src/events/types.js';
import { classifyDelivery } from '../../src/ingress/classify.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';
import { vendorValues, type ZodLike } from '../helpers/zodArbitrary.js';

const RUNS = Number(process.env.VENDOR_RUNS ?? 300);
const schemas = loadSchemaSet();

/** The vendor's envelope per event type; send.verification.flow has none, so it is built here. */
const ENVELOPES: Record<WebhookEventType, ZodLike> = {
  'customer.created': vendor.CustomerCreatedPayload,
  'customer.updated': vendor.CustomerUpdatedPayload,
  'customer.deleted': vendor.CustomerDeletedPayload,
  'send.scenario': vendor.SendScenarioPayload,
  'send.verification.flow': vendor.VerificationFlowChecksWebhookPayload,
  'alert.created': vendor.AlertCreatedPayload,
  'alert.updated': vendor.AlertUpdatedPayload,
  'alert.deleted': vendor.AlertDeletedPayload,
};

/**
 * The delivery body: the vendor value in its envelope, plus fields the vendor may add at any
 * time (zod strips unknown keys, so a newer sender can send more than this version declares).
 */
function body(
  eventType: WebhookEventType,
  wire: unknown,
  extra: Record<string, unknown>,
): { payload: Record<string, unknown> } {
  const envelope = (
    eventType === 'send.verification.flow' ? { eventType, payload: wire } : wire
  ) as { payload: Record<string, unknown> };
  return { ...extra, ...envelope, payload: { ...extra, ...envelope.payload } };
}

const extraFields = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).map((key) => `added_${key}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);

/** The ids that route a delivery: they must be plausible, or the delivery is `invalid-id`. */
function routingIds(eventType: WebhookEventType, payload: Record<string, unknown>): unknown[] {
  return eventType.startsWith('alert.') ? [payload.id, payload.customerId] : [payload.customerId];
}

void t.test('the compared vendor version is the one installed', async (t) => {
  const index = JSON.parse(
    readFileSync(new URL('../../schemas/index.json', import.meta.url), 'utf8'),
  ) as { comparedWith?: string };
  const installed = JSON.parse(
    readFileSync(
      new URL('../../node_modules/@nexeraid/identity-schemas/package.json', import.meta.url),
      'utf8',
    ),
  ) as { version: string };
  t.equal(index.comparedWith, `@nexeraid/identity-schemas@${installed.version}`);
});

for (const eventType of Object.keys(ENVELOPES) as WebhookEventType[]) {
  void t.test(
    `every ${eventType} the vendor schema accepts is classified as ${eventType}`,
    async (t) => {
      let stored = 0;
      let invalidIds = 0;
      fc.assert(
        fc.property(vendorValues(ENVELOPES[eventType]), extraFields, (vendorValue, extra) => {
          const { input, accepted, wire } = vendorValue;
          // The generator must produce what the vendor accepts, or the test proves nothing.
          if (!accepted)
            throw new Error(
              `the vendor schema refused a generated value: ${JSON.stringify(input)}`,
            );
          const value = body(eventType, wire, extra);
          const result = classifyDelivery({ ok: true, value }, schemas);
          const implausible = routingIds(eventType, value.payload).some(
            (id) => idProblem(id) !== undefined,
          );
          const expected = implausible ? 'quarantine invalid-id' : `event ${eventType}`;
          const actual =
            result.kind === 'event' ? `event ${result.eventType}` : `quarantine ${result.reason}`;
          if (actual !== expected) {
            const errors = result.kind === 'quarantine' ? JSON.stringify(result.errors) : '';
            throw new Error(`expected ${expected}, got ${actual} ${errors}`);
          }
          if (implausible) invalidIds += 1;
          else stored += 1;
        }),
        { numRuns: RUNS },
      );
      // Mostly stored, so the test is about acceptance and not about the id rule.
      t.ok(
        stored > RUNS / 2,
        `${stored} of ${RUNS} classified as ${eventType}, ${invalidIds} invalid-id`,
      );
    },
  );
}

void t.test('the generator reaches the vendor unions and nullables that matter', async (t) => {
  // Without these the property above could pass by never producing the shapes issue 11 found
  // quarantined: an IPQualityScore error that is a string or null, and checks that are null.
  const seen = new Set<string>();
  for (const { wire } of fc.sample(
    vendorValues(vendor.VerificationFlowChecksWebhookPayload),
    3000,
  )) {
    for (const result of (wire as { result: { type: string; data: Record<string, unknown> }[] })
      .result) {
      seen.add(`type ${result.type}`);
      if (!/ipqualityscore/i.test(result.type)) continue;
      const { error, emailVerification, ipVerification, phoneVerification } = result.data;
      seen.add(`error ${error === null ? 'null' : typeof error}`);
      for (const check of [emailVerification, ipVerification, phoneVerification]) {
        seen.add(`check ${check === null ? 'null' : typeof check}`);
      }
    }
  }
  for (const shape of [
    'type scorechain',
    'type ipQualityScore',
    'type complyAdvantage',
    'type crystal',
    'error null',
    'error string',
    'error object',
    'error undefined',
    'check null',
    'check object',
    'check undefined',
  ]) {
    t.ok(seen.has(shape), shape);
  }
});
