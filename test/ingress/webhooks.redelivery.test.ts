// The webhook route answering redeliveries of one svix message (sequential, concurrent, after a
// restart, quarantined) as duplicates that write nothing, over real HTTP with real signatures.
import t from 'tap';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { readWholeLog, startIngress } from '../helpers/ingressHarness.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';
import { webhookFixture } from '../helpers/webhookFixture.js';

void t.test('a sequential redelivery answers duplicate and writes nothing', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const body = webhookFixture('alert.created');
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
  const body = webhookFixture('customer.created');
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
  const body = webhookFixture('send.scenario');
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
