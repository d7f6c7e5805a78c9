import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'svix';
import t from 'tap';
import { createSignatureProver, isWebhookDelivery } from '../../src/audit/signatureProof.js';

const secretA = `whsec_${randomBytes(24).toString('base64')}`;
const secretB = `whsec_${randomBytes(24).toString('base64')}`;

/** A stored delivery as ingress writes it, signed by svix's own `Webhook.sign`. */
function delivery(body: Buffer | string, secrets: string[], at = new Date('2024-01-02T03:04:05Z')) {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const svixId = `msg_${randomBytes(8).toString('hex')}`;
  const svixSignature = secrets.map((s) => new Webhook(s).sign(svixId, at, data)).join(' ');
  return {
    data,
    metadata: {
      svixId,
      svixTimestamp: String(Math.floor(at.getTime() / 1000)),
      svixSignature,
      headerScheme: 'svix',
      receivedAt: at.toISOString(),
      bodySha256: createHash('sha256').update(data).digest('hex'),
      schemaVersion: '1.0.0',
    },
  };
}

const body = '{"eventType":"customer.updated","payload":{"customerId":"c-1","status":"Active"}}';

void t.test('a delivery signed years ago with a configured secret is valid', (t) => {
  const prove = createSignatureProver([secretA]);
  t.same(prove(delivery(body, [secretA], new Date('2019-05-01T00:00:00Z'))), {
    verdict: 'valid',
    secretIndex: 0,
  });
  t.end();
});

void t.test('any configured secret may match, and the index says which', (t) => {
  const prove = createSignatureProver([secretA, secretB]);
  t.same(prove(delivery(body, [secretB])), { verdict: 'valid', secretIndex: 1 });
  t.end();
});

void t.test('a header whose only matching signature comes last is valid', (t) => {
  const other = `whsec_${randomBytes(24).toString('base64')}`;
  const prove = createSignatureProver([secretA]);
  t.equal(prove(delivery(body, [other, secretB, secretA])).verdict, 'valid');
  t.end();
});

void t.test('a signature made with a secret not configured here is no-matching-secret', (t) => {
  const prove = createSignatureProver([secretA]);
  t.same(prove(delivery(body, [secretB])), {
    verdict: 'no-matching-secret',
    reason: 'signed-with-unknown-secret',
  });
  t.end();
});

void t.test('with no secret configured nothing can match', (t) => {
  t.same(createSignatureProver([])(delivery(body, [secretA])), {
    verdict: 'no-matching-secret',
    reason: 'no-secret-configured',
  });
  t.end();
});

void t.test('a stored body changed after receipt is invalid, whatever the secrets', (t) => {
  const stored = delivery(body, [secretA]);
  const tampered = { ...stored, data: Buffer.from(body.replace('Active', 'Rejected')) };
  t.same(createSignatureProver([secretA])(tampered), {
    verdict: 'invalid',
    reason: 'body-sha256-mismatch',
  });
  t.end();
});

void t.test('a tamper that also rewrites the recorded hash no longer verifies', (t) => {
  const stored = delivery(body, [secretA]);
  const data = Buffer.from(body.replace('Active', 'Rejected'));
  const bodySha256 = createHash('sha256').update(data).digest('hex');
  const proof = createSignatureProver([secretA])({
    data,
    metadata: { ...stored.metadata, bodySha256 },
  });
  t.equal(proof.verdict, 'no-matching-secret');
  t.end();
});

void t.test('metadata without the signature evidence is invalid', (t) => {
  const stored = delivery(body, [secretA]);
  const rest: Record<string, unknown> = { ...stored.metadata };
  delete rest.svixSignature;
  t.same(createSignatureProver([secretA])({ data: stored.data, metadata: rest }), {
    verdict: 'invalid',
    reason: 'metadata-incomplete',
  });
  t.end();
});

void t.test('a signature header without any v1 entry is invalid', (t) => {
  const stored = delivery(body, [secretA]);
  const metadata = { ...stored.metadata, svixSignature: 'v1a,abcdef v2,xyz' };
  t.same(createSignatureProver([secretA])({ data: stored.data, metadata }), {
    verdict: 'invalid',
    reason: 'malformed-signature-headers',
  });
  t.end();
});

void t.test('a changed svix id or timestamp no longer verifies', (t) => {
  const stored = delivery(body, [secretA]);
  const prove = createSignatureProver([secretA]);
  t.equal(
    prove({ ...stored, metadata: { ...stored.metadata, svixId: 'msg_other' } }).verdict,
    'no-matching-secret',
  );
  const later = String(Number(stored.metadata.svixTimestamp) + 1);
  t.equal(
    prove({ ...stored, metadata: { ...stored.metadata, svixTimestamp: later } }).verdict,
    'no-matching-secret',
  );
  t.end();
});

void t.test('proofs agree with svix signatures over random UTF-8 bodies', (t) => {
  const prove = createSignatureProver([secretA]);
  for (let i = 0; i < 200; i++) {
    const text = randomBytes(i % 60).toString('latin1') + '\u00e9\u{1F600}';
    t.equal(prove(delivery(text, [secretA], new Date())).verdict, 'valid', `random body ${i}`);
  }
  // svix's verifier accepts the same stored evidence (checked within its window).
  const stored = delivery(body, [secretA], new Date());
  t.doesNotThrow(() =>
    new Webhook(secretA).verify(stored.data, {
      'svix-id': stored.metadata.svixId,
      'svix-timestamp': stored.metadata.svixTimestamp,
      'svix-signature': stored.metadata.svixSignature,
    }),
  );
  t.end();
});

void t.test(
  'bytes that are not UTF-8 are checked as stored, not as svix would decode them',
  (t) => {
    // svix signs the lossy UTF-8 decoding of these bytes, so that signature does not cover them.
    const data = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    t.equal(
      createSignatureProver([secretA])(delivery(data, [secretA])).verdict,
      'no-matching-secret',
    );
    t.end();
  },
);

void t.test('only events with webhook metadata count as deliveries', (t) => {
  t.ok(isWebhookDelivery(delivery(body, [secretA])));
  t.notOk(isWebhookDelivery({ data: Buffer.from('{}'), metadata: { causationId: 'x' } }));
  t.end();
});
