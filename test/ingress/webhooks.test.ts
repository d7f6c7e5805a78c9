import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES, type QuarantineMetadata } from '../../src/events/types.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { quarantineEntryId } from '../../src/ingress/deliveryIdentity.js';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';
import { readWholeLog, readWholeLogAt, startIngress } from '../helpers/ingressHarness.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';
import { waitFor } from '../helpers/simulatorHarness.js';

const CUSTOMER_ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';
const schemaVersion = loadSchemaSet().version;

function fixture(eventType: string): Buffer {
  return readFileSync(new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url));
}

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
    const body = fixture(eventType);
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
  const body = fixture('customer.updated');
  const signed = signDelivery({ secret: ingress.secrets, body, scheme: 'webhook' });
  const res = await ingress.deliver(body, signed.headers);
  t.equal(res.status, 200);
  const [event] = await readWholeLog(ingress.store);
  t.equal(event?.metadata.headerScheme, 'webhook');
  t.equal(event?.metadata.svixId, signed.msgId);
});

void t.test('a sequential redelivery answers duplicate and writes nothing', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = fixture('alert.created');
  const first = signDelivery({ secret: ingress.secrets, body });
  const stored = (await ingress.deliver(body, first.headers)).json();
  // Svix re-signs every attempt with a new timestamp; the id stays.
  const retry = signDelivery({
    secret: ingress.secrets,
    body,
    msgId: first.msgId,
    offsetSeconds: 30,
  });
  const res = await ingress.deliver(body, retry.headers);
  t.equal(res.status, 200);
  t.match(res.json(), { duplicate: true, stream: stored.stream, position: stored.position });
  t.notOk('stored' in res.json(), 'a duplicate does not claim to be stored');
  t.equal((await readWholeLog(ingress.store)).length, 1);
});

void t.test('twenty concurrent deliveries of one message store one event', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = fixture('customer.created');
  const msgId = 'msg_concurrent_1';
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      ingress.deliver(body, signDelivery({ secret: ingress.secrets, body, msgId }).headers),
    ),
  );
  t.same(
    answers.map((res) => res.status),
    Array(20).fill(200),
  );
  const bodies = answers.map((res) => res.json());
  t.equal(bodies.filter((answer) => answer.stored === true).length, 1, 'exactly one stored');
  t.equal(bodies.filter((answer) => answer.duplicate === true).length, 19, 'the rest duplicate');
  t.equal(new Set(bodies.map((answer) => answer.position)).size, 1, 'all name one position');
  const log = await readWholeLog(ingress.store);
  t.equal(log.length, 1);
  t.equal(log[0]?.id, uuidv5(msgId));
});

void t.test('a redelivery after the store was closed and reopened is a duplicate', async (t) => {
  const dir = t.testdir();
  const secret = generateSecret();
  const body = fixture('send.scenario');
  const first = signDelivery({ secret, body });
  const before = await startIngress(dir, { secrets: [secret] });
  t.equal((await before.deliver(body, first.headers)).json().stored, true);
  await before.close();

  const after = await startIngress(dir, { secrets: [secret] });
  t.teardown(() => after.close());
  const again = signDelivery({ secret, body, msgId: first.msgId });
  const res = await after.deliver(body, again.headers);
  t.equal(res.status, 200);
  t.equal(res.json().duplicate, true);
  t.equal((await readWholeLog(after.store)).length, 1);
});

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
  const parsed = JSON.parse(fixture('customer.updated').toString('utf8'));
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

void t.test('a redelivered quarantined message is a duplicate too', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = '[1, 2, 3]';
  const first = signDelivery({ secret: ingress.secrets, body });
  await ingress.deliver(body, first.headers);
  const again = signDelivery({ secret: ingress.secrets, body, msgId: first.msgId });
  const res = await ingress.deliver(body, again.headers);
  t.equal(res.status, 200);
  t.match(res.json(), { duplicate: true, quarantined: true, stream: 'quarantine' });
  t.equal((await readWholeLog(ingress.store)).length, 1);
});

void t.test('deliveries are counted by outcome in the metrics', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = fixture('alert.updated');
  const signed = signDelivery({ secret: ingress.secrets, body });
  await ingress.deliver(body, signed.headers);
  await ingress.deliver(body, signed.headers);
  await ingress.deliver('nope', signDelivery({ secret: ingress.secrets, body: 'nope' }).headers);
  await ingress.deliver(body, { ...signed.headers, 'svix-signature': 'v1,AAAA' });
  const text = await ingress.registry.metrics();
  t.match(text, /webhook_deliveries_total\{outcome="stored"\} 1/);
  t.match(text, /webhook_deliveries_total\{outcome="duplicate"\} 1/);
  t.match(text, /webhook_deliveries_total\{outcome="quarantined",reason="not-json"\} 1/);
  t.match(text, /webhook_deliveries_total\{outcome="rejected",reason="no-matching-signature"\} 1/);
  t.match(text, /webhook_append_duration_seconds_count 3/);
});

void t.test('the stored log survives the store being reopened from its file', async (t) => {
  const dir = t.testdir();
  const ingress = await startIngress(dir);
  const body = fixture('alert.deleted');
  const res = await ingress.deliver(body, signDelivery({ secret: ingress.secrets, body }).headers);
  t.equal(res.status, 200);
  await ingress.close();
  const log = await readWholeLogAt(ingress.dbPath);
  t.equal(log.length, 1);
  t.ok(log[0]?.data.equals(body));
});

interface LogLine {
  readonly level: number;
  readonly [key: string]: unknown;
}

void t.test('log lines carry no text from the body, only known enum values', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const email = 'alice.liddell@example.com';
  const wallet = '0x52908400098527886E0F7030069857D2E4169EE';
  const claimed = `individual.updated ${email} ${wallet}`;
  const unknown = JSON.stringify({ eventType: claimed, payload: { email, wallet } });
  const first = await ingress.deliver(
    unknown,
    signDelivery({ secret: ingress.secrets, body: unknown }).headers,
  );
  t.match(first.json(), { quarantined: true, reason: 'unknown-event-type' });
  // send.scenario ids are free text: an id may itself be an email address.
  const scenario = JSON.parse(fixture('send.scenario').toString('utf8')) as {
    payload: Record<string, unknown>;
  };
  const stored = JSON.stringify({
    ...scenario,
    payload: { ...scenario.payload, customerId: email, address: wallet },
  });
  const second = await ingress.deliver(
    stored,
    signDelivery({ secret: ingress.secrets, body: stored }).headers,
  );
  t.match(second.json(), { stored: true, stream: `customer-${email}` });

  const text = ingress.logs.join('');
  for (const secret of [email, wallet, 'alice', 'liddell', 'individual.updated']) {
    t.notOk(text.includes(secret), `"${secret}" is not logged`);
  }
  const lines = ingress.logs.map((line) => JSON.parse(line) as LogLine);
  t.match(
    lines.find((line) => line.outcome === 'quarantined'),
    { eventType: 'unknown', eventTypeLength: claimed.length, streamCategory: 'quarantine' },
    'an unknown event type is logged as unknown, with its length',
  );
  t.match(
    lines.find((line) => line.outcome === 'stored'),
    { eventType: 'send.scenario', streamCategory: 'customer', eventId: second.json().eventId },
    'a stored event is logged by its enum type, stream category and event id',
  );
});

void t.test('refused deliveries (401, 413, 400) are logged at warn', async (t) => {
  const ingress = await startIngress(t.testdir(), { maxBodyBytes: 1024 });
  t.teardown(() => ingress.close());
  const body = fixture('customer.updated');
  const signed = signDelivery({ secret: ingress.secrets, body });
  const bad = await ingress.deliver(body, { ...signed.headers, 'svix-signature': 'v1,AAAA' });
  t.equal(bad.status, 401);
  const big = Buffer.alloc(2048, 0x20);
  const tooLarge = await ingress.deliver(
    big,
    signDelivery({ secret: ingress.secrets, body: big }).headers,
  );
  t.equal(tooLarge.status, 413);
  // A body that ends before its Content-Length. `Expect: 100-continue` makes the server say
  // when it has the request, so the connection is cut while the body is being read.
  const socket = connect(ingress.port, '127.0.0.1');
  socket.write(
    `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      'Content-Length: 500\r\nExpect: 100-continue\r\n\r\n',
  );
  const [continued] = (await once(socket, 'data')) as [Buffer];
  t.match(continued.toString('latin1'), /^HTTP\/1\.1 100 Continue/);
  socket.end('{"eventType"');
  await waitFor(
    () => ingress.logs.some((line) => line.includes('"status":400')),
    'the 400 log line',
  );
  const refused = ingress.logs
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.outcome === 'rejected');
  t.same(
    refused.map((line) => [line.status, line.reason, line.level]),
    [
      [401, 'no-matching-signature', 40],
      [413, 'body-too-large', 40],
      [400, refused[2]?.reason, 40],
    ],
  );
  t.match(refused[2]?.reason, /^body-(cut-short|unreadable)$/);
  const errors = ingress.logs.filter((line) => (JSON.parse(line) as LogLine).level >= 50);
  t.same(errors, [], 'a client hanging up is no service error');
  const metrics = await ingress.registry.metrics();
  t.match(metrics, /webhook_deliveries_total\{outcome="rejected",reason="body-too-large"\} 1/);
});
