import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { readWholeLog, startIngress, type IngressHarness } from '../helpers/ingressHarness.js';
import type { HttpResponse } from '../helpers/httpServer.js';
import {
  bogusSignature,
  deliveryHeaders,
  generateSecret,
  signDelivery,
} from '../helpers/signWebhook.js';

const body = readFileSync(new URL('../fixtures/webhooks/customer.updated.json', import.meta.url));

async function assertRejected(
  t: Test,
  ingress: IngressHarness,
  res: HttpResponse,
  reason: string,
): Promise<void> {
  t.equal(res.status, 401, 'answers 401');
  t.match(res.headers['content-type'], /application\/json/);
  const answer = res.json();
  t.equal(answer.reason, reason, `reason is ${reason}`);
  t.type(answer.error, 'string');
  t.same(await readWholeLog(ingress.store), [], 'nothing was written');
}

void t.test('a delivery without a signature header is refused as missing-headers', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const { headers } = signDelivery({ secret: ingress.secrets, body });
  delete headers['svix-signature'];
  await assertRejected(t, ingress, await ingress.deliver(body, headers), 'missing-headers');
});

void t.test('a delivery with no svix headers at all is refused as missing-headers', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const res = await ingress.deliver(body, { 'content-type': 'application/json' });
  await assertRejected(t, ingress, res, 'missing-headers');
});

void t.test(
  'a delivery with a non-numeric timestamp is refused as invalid-timestamp',
  async (t) => {
    const ingress = await startIngress(t.testdir());
    t.teardown(() => ingress.close());
    const signed = signDelivery({ secret: ingress.secrets, body });
    const res = await ingress.deliver(body, { ...signed.headers, 'svix-timestamp': 'yesterday' });
    await assertRejected(t, ingress, res, 'invalid-timestamp');
  },
);

void t.test('a delivery signed ten minutes ago is refused as timestamp-too-old', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body, offsetSeconds: -600 });
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(body, signed.headers),
    'timestamp-too-old',
  );
});

void t.test('a delivery signed ten minutes ahead is refused as timestamp-too-new', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body, offsetSeconds: 600 });
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(body, signed.headers),
    'timestamp-too-new',
  );
});

void t.test(
  'a delivery signed with another secret is refused as no-matching-signature',
  async (t) => {
    const ingress = await startIngress(t.testdir());
    t.teardown(() => ingress.close());
    const signed = signDelivery({ secret: generateSecret(), body });
    await assertRejected(
      t,
      ingress,
      await ingress.deliver(body, signed.headers),
      'no-matching-signature',
    );
  },
);

void t.test('a tampered body is refused as no-matching-signature', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body });
  const tampered = Buffer.from(body.toString('utf8').replace('"Low"', '"High"'));
  t.not(tampered.toString(), body.toString(), 'the body really changed');
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(tampered, signed.headers),
    'no-matching-signature',
  );
});

void t.test('a body re-serialised by a proxy is refused as no-matching-signature', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body });
  const reserialised = JSON.stringify(JSON.parse(body.toString('utf8')));
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(reserialised, signed.headers),
    'no-matching-signature',
  );
});

void t.test('multiple signatures where only the last one matches are accepted', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({
    secret: ingress.secrets,
    body,
    extraSignatures: [bogusSignature(), 'v1a,ed25519signaturefromanotherscheme', bogusSignature()],
  });
  t.equal(signed.signature.split(' ').length, 4);
  const res = await ingress.deliver(body, signed.headers);
  t.equal(res.status, 200);
  t.equal((await readWholeLog(ingress.store)).length, 1);
  t.equal((await readWholeLog(ingress.store))[0]?.metadata.svixSignature, signed.signature);
});

void t.test('multiple signatures where none matches are refused', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({
    secret: generateSecret(),
    body,
    extraSignatures: [bogusSignature(), bogusSignature()],
  });
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(body, signed.headers),
    'no-matching-signature',
  );
});

void t.test('with two configured secrets a delivery signed by either passes', async (t) => {
  const oldSecret = generateSecret();
  const newSecret = generateSecret();
  const ingress = await startIngress(t.testdir(), { secrets: [oldSecret, newSecret] });
  t.teardown(() => ingress.close());
  for (const secret of [oldSecret, newSecret]) {
    const res = await ingress.deliver(body, signDelivery({ secret, body }).headers);
    t.equal(res.status, 200, 'accepted');
    t.equal(res.json().stored, true);
  }
  // The sender's own rotation window: old and new key both sign one attempt.
  const both = signDelivery({ secret: [generateSecret(), newSecret], body });
  t.equal((await ingress.deliver(body, both.headers)).status, 200);
  const stranger = signDelivery({ secret: generateSecret(), body });
  await assertRejectedAfter(t, ingress, stranger.headers, 3);
});

async function assertRejectedAfter(
  t: Test,
  ingress: IngressHarness,
  headers: Record<string, string>,
  storedBefore: number,
): Promise<void> {
  const res = await ingress.deliver(body, headers);
  t.equal(res.status, 401);
  t.equal(res.json().reason, 'no-matching-signature');
  t.equal((await readWholeLog(ingress.store)).length, storedBefore, 'nothing more was written');
}

void t.test('webhook-* headers signed with a wrong secret are refused', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: generateSecret(), body, scheme: 'webhook' });
  await assertRejected(
    t,
    ingress,
    await ingress.deliver(body, signed.headers),
    'no-matching-signature',
  );
});

void t.test('a signature for another message id is refused', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const signed = signDelivery({ secret: ingress.secrets, body });
  const headers = deliveryHeaders({ ...signed, msgId: 'msg_someone_else' });
  await assertRejected(t, ingress, await ingress.deliver(body, headers), 'no-matching-signature');
});

void t.test('a validly signed body that is not UTF-8 is refused as body-not-utf8', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  // svix signs the lossy UTF-8 decoding, so this signature would also "match" other bytes.
  const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  const signed = signDelivery({ secret: ingress.secrets, body: bytes });
  await assertRejected(t, ingress, await ingress.deliver(bytes, signed.headers), 'body-not-utf8');
});
