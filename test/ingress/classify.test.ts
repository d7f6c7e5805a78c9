import { readFileSync } from 'node:fs';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../src/events/types.js';
import { classifyDelivery } from '../../src/ingress/classify.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';
import { readWholeLog } from '../helpers/ingressHarness.js';
import { startPipeline, untilCaughtUp } from '../helpers/enrichmentHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';

interface Body {
  readonly eventType: string;
  readonly payload: Record<string, unknown>;
}

function fixture(eventType: WebhookEventType): Body {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url), 'utf8'),
  ) as Body;
}

/** The payload fields each type is routed by (and that name ComPilot resources). */
function routingFields(eventType: WebhookEventType): string[] {
  return eventType.startsWith('alert.') ? ['id', 'customerId'] : ['customerId'];
}

/** Distinctive, so that a test can tell whether one of them leaked into a log line. */
const IMPLAUSIBLE_IDS: Record<string, string> = {
  empty: '',
  dot: '.',
  'dot-dot': '..',
  slash: 'leak/slash',
  backslash: 'leak\\backslash',
  'control character': 'leak\u0007bell',
  'C1 control character': 'leak\u0085next',
  '257 characters': `leak${'x'.repeat(253)}`,
};

void t.test(
  'implausible routing ids of all eight types are quarantined as invalid-id and never reach the API',
  async (t) => {
    const pipeline = await startPipeline(t);
    const { ingress, sim } = pipeline;
    let deliveries = 0;
    for (const eventType of WEBHOOK_EVENT_TYPES) {
      for (const field of routingFields(eventType)) {
        for (const [name, id] of Object.entries(IMPLAUSIBLE_IDS)) {
          const body = fixture(eventType);
          const text = JSON.stringify({ ...body, payload: { ...body.payload, [field]: id } });
          const signed = signDelivery({ secret: ingress.secrets, body: text });
          const res = await ingress.deliver(signed.body, signed.headers);
          deliveries += 1;
          t.equal(res.status, 200, `${eventType} ${field} ${name}: acknowledged`);
          t.match(
            res.json(),
            { quarantined: true, reason: 'invalid-id', stream: 'quarantine' },
            `${eventType} ${field} ${name}: quarantined as invalid-id`,
          );
        }
      }
    }
    // A valid delivery as the control: the request counter below is shown to count.
    const valid = signDelivery({
      secret: ingress.secrets,
      body: JSON.stringify(fixture('customer.updated')),
    });
    t.equal((await ingress.deliver(valid.body, valid.headers)).json().stored, true);

    const log = await readWholeLog(ingress.store);
    const quarantined = log.filter((event) => event.streamName === 'quarantine');
    t.equal(quarantined.length, deliveries, 'every one is in the quarantine stream');
    for (const event of quarantined) {
      t.equal(event.metadata.quarantineReason, 'invalid-id');
      const errors = event.metadata.errors as { path: string; message: string }[];
      t.match(errors[0], {
        path: /^\/payload\/(id|customerId)$/,
        message: /^not a plausible ComPilot id: /,
      });
    }

    const enrichment = pipeline.start();
    await untilCaughtUp(enrichment.processor, ingress.store);
    t.equal(sim.api.requests.length, 1, 'only the valid delivery caused an API request');
    t.match(sim.api.requests[0]!.path, /^\/customers\/[0-9a-f-]{36}\/details$/);

    const logs = ingress.logs.join('') + pipeline.logLines.join('');
    for (const id of Object.values(IMPLAUSIBLE_IDS).filter((id) => id.startsWith('leak'))) {
      t.notOk(logs.includes(JSON.stringify(id).slice(1, -1)), 'no implausible id is logged');
    }
  },
);

void t.test('a plausible id keeps its stream, whatever its characters', async (t) => {
  const schemas = loadSchemaSet();
  const body = fixture('send.scenario');
  for (const id of ['cust_01HF', 'a b', 'a?b#c', 'é', 'x'.repeat(256), '...', '%2e%2e']) {
    const value = { ...body, payload: { ...body.payload, customerId: id } };
    t.same(
      classifyDelivery({ ok: true, value }, schemas),
      { kind: 'event', eventType: 'send.scenario', streamName: `customer-${id}` },
      JSON.stringify(id).slice(0, 40),
    );
  }
  t.end();
});

void t.test('an implausible id is named even when the schema also fails', (t) => {
  const schemas = loadSchemaSet();
  const body = fixture('customer.created');
  // customer ids must be UUIDs, and status must be a known value: both are reported.
  const value = { ...body, payload: { ...body.payload, customerId: '..', status: 'Nope' } };
  const result = classifyDelivery({ ok: true, value }, schemas);
  t.match(result, { kind: 'quarantine', reason: 'invalid-id', eventType: 'customer.created' });
  const paths = result.kind === 'quarantine' ? result.errors.map((e) => e.path) : [];
  t.same(paths.slice(0, 1), ['/payload/customerId']);
  t.ok(paths.includes('/payload/status'), 'the schema errors are kept');
  t.end();
});
