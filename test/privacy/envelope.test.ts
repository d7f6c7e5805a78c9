import { randomBytes } from 'node:crypto';
import t from 'tap';
import {
  ENVELOPE_MAGIC,
  EnvelopeError,
  isEnvelope,
  openEnvelope,
  sealEnvelope,
} from '../../src/privacy/envelope.js';

const key = randomBytes(32);
const binding = { eventId: '00000000-0000-5000-8000-000000000001', streamName: 'customer-c-1' };
const plaintext = Buffer.from('{"payload":{"customerId":"c-1","email":"ada@example.com"}}');

void t.test('an envelope opens to the exact plaintext and does not contain it', async (t) => {
  const sealed = sealEnvelope(key, plaintext, binding);
  t.ok(isEnvelope(sealed));
  t.same(sealed.subarray(0, 3), ENVELOPE_MAGIC, 'starts with the magic');
  t.equal(sealed[3], 1, 'then the version');
  t.equal(sealed.length, 4 + 12 + plaintext.length + 16, 'header, IV, ciphertext, tag');
  t.equal(sealed.indexOf('ada@example.com'), -1, 'the plaintext is not in the envelope');
  t.same(openEnvelope(key, sealed, binding), plaintext);
});

void t.test('two seals of the same plaintext differ (random IV)', async (t) => {
  t.not(
    sealEnvelope(key, plaintext, binding).toString('hex'),
    sealEnvelope(key, plaintext, binding).toString('hex'),
  );
});

void t.test('an envelope moved to another event or stream fails authentication', async (t) => {
  const sealed = sealEnvelope(key, plaintext, binding);
  t.throws(
    () =>
      openEnvelope(key, sealed, { ...binding, eventId: '00000000-0000-5000-8000-000000000002' }),
    EnvelopeError,
  );
  t.throws(
    () => openEnvelope(key, sealed, { ...binding, streamName: 'customer-c-2' }),
    EnvelopeError,
  );
});

void t.test('a changed ciphertext, tag or IV, a truncation or another key fails', async (t) => {
  const sealed = sealEnvelope(key, plaintext, binding);
  for (const index of [5, 20, sealed.length - 1]) {
    const tampered = Buffer.from(sealed);
    tampered[index] = (tampered[index] ?? 0) ^ 1;
    t.throws(() => openEnvelope(key, tampered, binding), /authentication/, `byte ${index} flipped`);
  }
  t.throws(() => openEnvelope(key, sealed.subarray(0, sealed.length - 1), binding), EnvelopeError);
  t.throws(() => openEnvelope(randomBytes(32), sealed, binding), /authentication/);
  t.throws(() => openEnvelope(key, plaintext, binding), /not an encryption envelope/);
  const future = Buffer.from(sealed);
  future[3] = 2;
  t.throws(() => openEnvelope(key, future, binding), /version 2/);
});
