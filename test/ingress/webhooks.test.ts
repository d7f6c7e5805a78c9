// The webhook route storing verified deliveries, over real HTTP with real svix signatures.
import { createHash } from 'node:crypto';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';
import { readWholeLog, readWholeLogAt, startIngress } from '../helpers/ingressHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';
import { webhookFixture } from '../helpers/webhookFixture.js';

const CUSTOMER_ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';
const schemaVersion = loadSchemaSet().version;

const expectedStream: Record<string, string> = {
  'customer.created': `customer-${CUSTOMER_ID}`,
  'customer.updated': `customer-${CUSTOMER_ID}`,
  'customer.deleted': `customer-${CUSTOMER_ID}`,
  'send.scenario': `customer-${CUSTOMER_ID}`,
  'send.verification.flow': `customer-${CUSTOMER_ID}`,
  'alert.created': 'alert-alrt_Zp3Xk8Rm2Qa1',
  'alert.updated': 'alert-alrt_Zp3Xk8Rm2Qa1',
  'alert.deleted': 'alert-alrt_Zp3Xk8Rm2Qa1',
};

void t.test('every fixture is stored byte-exact in its stream with full metadata', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());

  for (const eventType of WEBHOOK_EVENT_TYPES) {
    const body = webhookFixture(eventType);
    const signed = signDelivery({ secret: ingress.secrets, body });
    const before = Date.now();
    const res = await ingress.deliver(body, signed.headers);
    t.equal(res.status, 200, `${eventType} answered 200`);
    const answer = res.json();
    t.equal(answer.stored, true, `${eventType} stored`);
    t.equal(answer.stream, expectedStream[eventType], `${eventType} routed`);

    const events = await ingress.store.readStream(expectedStream[eventType]!, {
      direction: 'backwards',
      maxCount: 1,
    });
    const event = events[0]!;
    t.equal(event.id, uuidv5(signed.msgId), 'event id derives from the svix id');
    t.equal(event.type, eventType);
    t.equal(event.position, answer.position, 'the answer names the stored position');
    t.ok(event.data.equals(body), `${eventType} data is the exact raw bytes`);
    const metadata = event.metadata;
    t.match(metadata, {
      svixId: signed.msgId,
      svixTimestamp: signed.timestamp,
      svixSignature: signed.signature,
      headerScheme: 'svix',
      bodySha256: createHash('sha256').update(body).digest('hex'),
      schemaVersion,
      contentType: 'application/json',
    });
    const receivedAt = Date.parse(metadata.receivedAt as string);
    t.ok(receivedAt >= before - 1000 && receivedAt <= Date.now() + 1000, 'receivedAt is now');
  }
  t.equal((await readWholeLog(ingress.store)).length, WEBHOOK_EVENT_TYPES.length);
  const logs = ingress.logs.join('');
  t.notOk(logs.includes(ingress.secrets[0]!), 'the secret is never logged');
  t.notOk(logs.includes('Rules engine verification passed'), 'bodies are never logged');
  t.ok(logs.includes('"outcome":"stored"'), 'deliveries are logged with their outcome');
});

void t.test('webhook-* header names are accepted and recorded as such', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = webhookFixture('customer.updated');
  const signed = signDelivery({ secret: ingress.secrets, body, scheme: 'webhook' });
  const res = await ingress.deliver(body, signed.headers);
  t.equal(res.status, 200);
  const [event] = await readWholeLog(ingress.store);
  t.equal(event?.metadata.headerScheme, 'webhook');
  t.equal(event?.metadata.svixId, signed.msgId);
});

void t.test('the stored log survives the store being reopened from its file', async (t) => {
  const dir = t.testdir();
  const ingress = await startIngress(dir);
  const body = webhookFixture('alert.deleted');
  const res = await ingress.deliver(body, signDelivery({ secret: ingress.secrets, body }).headers);
  t.equal(res.status, 200);
  await ingress.close();
  const log = await readWholeLogAt(ingress.dbPath);
  t.equal(log.length, 1);
  t.ok(log[0]?.data.equals(body));
});
