import { readFileSync } from 'node:fs';
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { appendDelivery, deliveryEventId } from '../../src/ingress/deliveryIdentity.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { sha256Hex } from '../../src/ledger/link.js';
import { readWholeLog, startIngress } from '../helpers/ingressHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';

const CUSTOMER_ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';
const OTHER_CUSTOMER_ID = '9d2e4f6a-1b3c-4d5e-8f70-112233445566';
const original = readFileSync(
  new URL('../fixtures/webhooks/customer.updated.json', import.meta.url),
  'utf8',
);
/** Same message id, other content: the riskScore changed (a marker the logs must not show). */
const altered = original.replace('"riskScore": "Low"', '"riskScore": "High"');
const otherCustomer = original.replace(CUSTOMER_ID, OTHER_CUSTOMER_ID);

void t.test(
  'a svix id already stored with another body is kept as a svix-id-conflict quarantine entry',
  async (t) => {
    const ingress = await startIngress(t.testdir());
    t.teardown(() => ingress.close());
    const first = signDelivery({ secret: ingress.secrets, body: original });
    t.equal((await ingress.deliver(first.body, first.headers)).status, 200, 'original stored');

    const second = signDelivery({ secret: ingress.secrets, body: altered, msgId: first.msgId });
    const res = await ingress.deliver(second.body, second.headers);
    t.equal(res.status, 200, 'answered 2xx, so Svix does not retry it');
    t.match(res.json(), {
      stored: true,
      quarantined: true,
      reason: 'svix-id-conflict',
      stream: 'quarantine',
    });

    const customer = await ingress.store.readStream(`customer-${CUSTOMER_ID}`);
    t.equal(customer.length, 1, 'the customer stream still holds only the original');
    t.equal(customer[0]!.data.toString(), original, 'the original is untouched');
    const [entry] = await ingress.store.readStream('quarantine');
    t.equal(entry?.data.toString(), altered, 'the entry holds the new bytes');
    t.match(
      entry?.metadata,
      {
        quarantineReason: 'svix-id-conflict',
        svixId: first.msgId,
        svixTimestamp: second.timestamp,
        svixSignature: second.signature,
        bodySha256: sha256Hex(altered),
        conflictsWith: {
          streamName: `customer-${CUSTOMER_ID}`,
          eventId: deliveryEventId(first.msgId),
          position: customer[0]!.position,
          dataSha256: sha256Hex(original),
        },
      },
      'and the headers, naming the stored event it conflicts with',
    );

    const metrics = await ingress.registry.metrics();
    t.match(metrics, /compilot_ledger_svix_id_conflicts_total 1\b/, 'counted in the metric');
    t.match(
      metrics,
      /compilot_ledger_webhook_deliveries_total\{outcome="quarantined",reason="svix-id-conflict"\} 1/,
      'and among quarantined deliveries',
    );
    const warnings = ingress.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.reason === 'svix-id-conflict');
    t.equal(warnings.length, 1, 'one log line for the conflict');
    t.equal(warnings[0]!.level, 40, 'at warn');
    t.notMatch(ingress.logs.join('\n'), /High/, 'no log line shows the body');

    const again = await ingress.deliver(second.body, second.headers);
    t.match(
      again.json(),
      { duplicate: true, reason: 'svix-id-conflict' },
      'a resend is a duplicate',
    );
    const originalAgain = await ingress.deliver(first.body, first.headers);
    t.match(originalAgain.json(), { duplicate: true, stream: `customer-${CUSTOMER_ID}` });
    t.notOk(
      originalAgain.json<Record<string, unknown>>().quarantined,
      'the original resent is a plain duplicate',
    );
    t.equal((await readWholeLog(ingress.store)).length, 2, 'nothing more was written');
  },
);

void t.test(
  'a svix id reused for another customer is a conflict, not a second copy in another stream',
  async (t) => {
    const ingress = await startIngress(t.testdir());
    t.teardown(() => ingress.close());
    const first = signDelivery({ secret: ingress.secrets, body: original });
    await ingress.deliver(first.body, first.headers);
    const other = signDelivery({
      secret: ingress.secrets,
      body: otherCustomer,
      msgId: first.msgId,
    });
    const res = await ingress.deliver(other.body, other.headers);
    t.equal(res.status, 200);
    t.match(res.json(), { quarantined: true, reason: 'svix-id-conflict', stream: 'quarantine' });
    t.strictSame(
      await ingress.store.readStream(`customer-${OTHER_CUSTOMER_ID}`),
      [],
      'the other customer stream was not written',
    );
  },
);

void t.test('a quarantined delivery resent with another body is a conflict too', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const first = signDelivery({ secret: ingress.secrets, body: 'not json' });
  await ingress.deliver(first.body, first.headers);
  const second = signDelivery({
    secret: ingress.secrets,
    body: 'not json either',
    msgId: first.msgId,
  });
  const res = await ingress.deliver(second.body, second.headers);
  t.match(res.json(), { stored: true, reason: 'svix-id-conflict' });
  const entries = await ingress.store.readStream('quarantine');
  t.strictSame(
    entries.map((entry) => [entry.metadata.quarantineReason, entry.data.toString()]),
    [
      ['not-json', 'not json'],
      ['svix-id-conflict', 'not json either'],
    ],
    'both bodies are kept',
  );
});

void t.test('the stored original is found however far back in its stream it lies', async (t) => {
  const store = createInMemoryEventStore();
  t.teardown(() => store.close());
  const event = (id: string, data: string) => ({
    id,
    type: 't',
    data: Buffer.from(data),
    metadata: {},
  });
  const id = randomUUID();
  await store.appendToStream('s', [event(id, 'original')]);
  for (let i = 0; i < 250; i += 1) await store.appendToStream('s', [event(randomUUID(), `${i}`)]);
  const [stored] = await store.readStream('s', { maxCount: 1 });
  t.match(
    await appendDelivery(store, 's', event(id, 'other')),
    { kind: 'conflict', existing: { eventId: id, position: stored!.position } },
    'a different body is a conflict with the original',
  );
  t.match(
    await appendDelivery(store, 's', event(id, 'original')),
    { kind: 'duplicate', position: stored!.position },
    'the same body is a duplicate',
  );
});
