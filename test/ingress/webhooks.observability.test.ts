// What the webhook route reports about deliveries: metrics by outcome, and log lines that carry
// no body text. Over real HTTP with real svix signatures.
import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { startIngress } from '../helpers/ingressHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';
import { waitFor } from '../helpers/simulatorHarness.js';
import { webhookFixture } from '../helpers/webhookFixture.js';

void t.test('deliveries are counted by outcome in the metrics', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = webhookFixture('alert.updated');
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
  const scenario = JSON.parse(webhookFixture('send.scenario').toString('utf8')) as {
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
  const body = webhookFixture('customer.updated');
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
