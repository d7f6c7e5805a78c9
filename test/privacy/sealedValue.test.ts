import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';
import { createReadModelSealer } from '../../src/privacy/readModelSealer.js';
import {
  SEALED_MAGIC,
  SEALED_PREFIX,
  isSealedValue,
  parseSealed,
} from '../../src/privacy/sealedValue.js';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.js';

const master = masterKeyOf(Buffer.from(TEST_ENCRYPTION_KEY, 'base64'));
const ERASED = Symbol('erased');
const PLAINTEXT = '{"name":"Ada Lovelace","email":"ada@example.com"}';

async function sealer(t: Test) {
  const keys = openKeyStore({ path: join(t.testdir({}), 'keys.db'), master });
  t.teardown(() => keys.close());
  const key = await keys.keyForAppend('c-1');
  await keys.keyForAppend('c-2');
  return { sealer: createReadModelSealer(keys, master, ERASED), keyId: key.keyId };
}

void t.test('a sealed value is binary: magic, key id, then IV, ciphertext and tag', async (t) => {
  const { sealer: s, keyId } = await sealer(t);
  const sealed = s.seal('c-1', 'customers.doc', PLAINTEXT);
  t.ok(Buffer.isBuffer(sealed), 'a BLOB, not text');
  const bytes = sealed as Buffer;
  t.same(bytes.subarray(0, SEALED_MAGIC.length), SEALED_MAGIC);
  t.equal(parseSealed(bytes)?.keyId, keyId, 'names the data key it is sealed under');
  // IV (12) and tag (16) around a ciphertext as long as the UTF-8 plaintext: no base64.
  t.equal(parseSealed(bytes)?.body.length, 12 + Buffer.byteLength(PLAINTEXT) + 16);
  t.notOk(bytes.includes('Ada'), 'the plaintext is not in the stored bytes');
  t.ok(isSealedValue(bytes) && s.isSealed(bytes));
  t.equal(s.open('c-1', 'customers.doc', bytes), PLAINTEXT);
});

void t.test('a value in the earlier text form (cls1) still opens', async (t) => {
  const { sealer: s, keyId } = await sealer(t);
  const sealed = s.seal('c-1', 'customers.doc', PLAINTEXT) as Buffer;
  // The text form carries the same IV, ciphertext and tag in base64 after the key id.
  const legacy = `${SEALED_PREFIX}${keyId}:${parseSealed(sealed)!.body.toString('base64')}`;
  t.ok(s.isSealed(legacy));
  t.equal(s.open('c-1', 'customers.doc', legacy), PLAINTEXT);
  t.throws(() => s.open('c-2', 'customers.doc', legacy), /authentication/);
});

void t.test('plaintext is never taken for a sealed value', async (t) => {
  const { sealer: s } = await sealer(t);
  for (const value of ['', 'CLS', '{"a":1}', 'cls1', Buffer.from('CLS'), Buffer.from('{"a":1}')]) {
    t.notOk(s.isSealed(value), JSON.stringify(String(value)));
  }
});

void t.test('a changed byte, another customer, column or truncation fails', async (t) => {
  const { sealer: s } = await sealer(t);
  const sealed = s.seal('c-1', 'customers.doc', PLAINTEXT) as Buffer;
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 20]! ^= 1;
  t.throws(() => s.open('c-1', 'customers.doc', flipped), /authentication/, 'ciphertext');
  t.throws(() => s.open('c-2', 'customers.doc', sealed), /authentication/, 'customer');
  t.throws(() => s.open('c-1', 'alerts.doc', sealed), /authentication/, 'column');
  t.throws(
    () => s.open('c-1', 'customers.doc', sealed.subarray(0, 30)),
    /not a well-formed sealed value/,
    'truncated',
  );
});
