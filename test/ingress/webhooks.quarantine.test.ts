// The webhook route quarantining verified bodies it cannot store as events (not JSON, failing
// their schema, unknown event type), over real HTTP with real svix signatures.
import t from 'tap';
import { type QuarantineMetadata } from '../../src/events/types.js';
import { quarantineEntryId } from '../../src/ingress/deliveryIdentity.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';
import { startIngress } from '../helpers/ingressHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';
import { webhookFixture } from '../helpers/webhookFixture.js';

const schemaVersion = loadSchemaSet().version;

void t.test('a verified body that is not JSON is quarantined and acknowledged', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = 'eventType=customer.updated&customerId=42';
  const signed = signDelivery({ secret: ingress.secrets, body });
  const res = await ingress.deliver(body, { ...signed.headers, 'content-type': 'text/plain' });
  t.equal(res.status, 200);
  t.match(res.json(), {
    stored: true,
    quarantined: true,
    reason: 'not-json',
    stream: 'quarantine',
  });
  const [event] = await ingress.store.readStream('quarantine');
  t.equal(event?.type, 'quarantined');
  t.equal(event?.data.toString('utf8'), body);
  const metadata = event?.metadata as unknown as QuarantineMetadata;
  t.equal(metadata.quarantineReason, 'not-json');
  t.equal(metadata.contentType, 'text/plain');
  t.equal(metadata.errors.length, 1);
  t.notOk('eventType' in metadata, 'no event type is claimed');
});

void t.test('an empty verified body is quarantined as not JSON', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body: '' });
  const res = await ingress.deliver('', signed.headers);
  t.equal(res.status, 200);
  t.equal(res.json().reason, 'not-json');
  t.equal((await ingress.store.readStream('quarantine')).length, 1);
});

void t.test('a body failing its schema is quarantined with the errors', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const parsed = JSON.parse(webhookFixture('customer.updated').toString('utf8'));
  parsed.payload.riskScore = 'Extreme';
  delete parsed.payload.customerId;
  const body = JSON.stringify(parsed);
  const signed = signDelivery({ secret: ingress.secrets, body });
  const res = await ingress.deliver(body, signed.headers);
  t.equal(res.status, 200);
  t.match(res.json(), { quarantined: true, reason: 'schema-invalid' });
  const [event] = await ingress.store.readStream('quarantine');
  const metadata = event?.metadata as unknown as QuarantineMetadata;
  t.equal(metadata.quarantineReason, 'schema-invalid');
  t.equal(metadata.eventType, 'customer.updated');
  t.equal(metadata.schemaVersion, schemaVersion);
  t.ok(
    metadata.errors.some((error) => error.path === '/payload/riskScore'),
    'names the bad enum',
  );
  t.ok(
    metadata.errors.some((error) => error.message.includes('customerId')),
    'names the missing routing field',
  );
  t.ok(event?.data.equals(Buffer.from(body)), 'the raw bytes are kept');
});

void t.test('a body with an unknown event type is quarantined', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = JSON.stringify({ eventType: 'transaction.created', payload: { id: 'tx_1' } });
  const signed = signDelivery({ secret: ingress.secrets, body });
  const res = await ingress.deliver(body, signed.headers);
  t.equal(res.status, 200);
  t.match(res.json(), { quarantined: true, reason: 'unknown-event-type' });
  const [event] = await ingress.store.readStream('quarantine');
  t.match(event?.metadata, {
    quarantineReason: 'unknown-event-type',
    eventType: 'transaction.created',
  });
  t.equal(
    event?.id,
    quarantineEntryId(signed.msgId),
    'a quarantine entry has an id of its own, leaving the delivery id free for a replay',
  );
});
