/**
 * The stored form of a sealed read-model value (readModelSealer.ts), shared by the sealer and
 * the seal thread (parallelSeal.ts) so both write exactly this, as a BLOB:
 *
 *   magic "CLS" ‖ version 0x02 ‖ key id length (1 byte) ‖ key id (ASCII) ‖ IV (12 random bytes)
 *     ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)
 *
 * with the AAD binding the value to its customer and its table and column. Read models written by
 * earlier versions hold the earlier text form, which is still read:
 *
 *   "cls1:" ‖ key id ‖ ":" ‖ base64(IV ‖ ciphertext ‖ tag)
 *
 * Why binary: base64 made each sealed value a third larger than its ciphertext, and SQLite's
 * cost of writing a row follows the pages it fills. Inserting the sealed rows of the
 * 1,000,000-event bench read model took 1.7-2.2 times as long as their plaintext rows in the
 * text form, and 1.0-1.25 times in this one (docs/performance.md).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { IV_BYTES, nextIv } from './ivPool.js';
import type { SealingKey } from './keyRecords.js';

/** The earlier text form's prefix (read, no longer written). */
export const SEALED_PREFIX = 'cls1:';
export const SEALED_MAGIC = Buffer.from('CLS\u0002', 'latin1');
export const SEALED_TAG_BYTES = 16;

/** What a sealed column stores: the binary form, the earlier text form, or plaintext. */
export type StoredValue = string | Uint8Array;

// The AAD's purpose part is built once per purpose: a rebuild seals tens of thousands of values.
const AAD_HEAD = '["compilot-ledger/read-model/v1",';
const aadTails = new Map<string, string>();

/** The AAD: JSON `["compilot-ledger/read-model/v1", subject, purpose]` in UTF-8. */
export function sealedValueAad(subject: string, purpose: string): Buffer {
  let tail = aadTails.get(purpose);
  if (tail === undefined) {
    tail = `,${JSON.stringify(purpose)}]`;
    aadTails.set(purpose, tail);
  }
  return Buffer.from(AAD_HEAD + JSON.stringify(subject) + tail, 'utf8');
}

export function sealValue(
  key: Uint8Array,
  keyId: string,
  subject: string,
  purpose: string,
  plaintext: string,
): Buffer {
  if (keyId.length > 255 || !/^[\x20-\x7e]*$/.test(keyId)) {
    throw new TypeError('a data key id must be at most 255 printable ASCII characters');
  }
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(sealedValueAad(subject, purpose));
  // GCM is a stream mode: the ciphertext is as long as the UTF-8 plaintext and final()
  // returns nothing, so one buffer holds header, IV, ciphertext and tag without a concat.
  const text = Buffer.from(plaintext, 'utf8');
  const head = SEALED_MAGIC.length + 1 + keyId.length;
  const sealed = Buffer.allocUnsafe(head + IV_BYTES + text.length + SEALED_TAG_BYTES);
  SEALED_MAGIC.copy(sealed, 0);
  sealed[SEALED_MAGIC.length] = keyId.length;
  sealed.write(keyId, SEALED_MAGIC.length + 1, 'latin1');
  iv.copy(sealed, head);
  cipher.update(text).copy(sealed, head + IV_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(sealed, head + IV_BYTES + text.length);
  return sealed;
}

/**
 * A value of a subject whose key is destroyed: the sealed form naming that key, of nothing,
 * under a random key nobody keeps. It reads as erased, like every value the key sealed; what
 * a projection derived from decrypted data and writes only after the erasure is never stored.
 */
export function shreddedValue(keyId: string, subject: string, purpose: string): Buffer {
  return sealValue(randomBytes(32), keyId, subject, purpose, '');
}

/**
 * A value of `subject` as the read model stores it, sealed here and now, given what the key
 * store says to seal it under (KeyStore.sealingKey): sealed under the live key (active, or
 * being erased: data decrypted while an erasure runs goes with its key), shredded under a
 * destroyed one, and as it is for a subject that never had a key. The one rule of both the
 * read-model sealer and the seal thread's writer (parallelSeal.ts).
 */
export function sealUnder(
  target: SealingKey,
  subject: string,
  purpose: string,
  plaintext: string,
): Buffer;
export function sealUnder(
  target: SealingKey | undefined,
  subject: string,
  purpose: string,
  plaintext: string,
): StoredValue;
export function sealUnder(
  target: SealingKey | undefined,
  subject: string,
  purpose: string,
  plaintext: string,
): StoredValue {
  if (target === undefined) return plaintext;
  if (target.kind === 'destroyed') return shreddedValue(target.keyId, subject, purpose);
  return sealValue(target.key.key, target.key.keyId, subject, purpose, plaintext);
}

/** True when `stored` has a sealed form (binary, or the earlier text form). */
export function isSealedValue(stored: unknown): stored is StoredValue {
  if (typeof stored === 'string') return stored.startsWith(SEALED_PREFIX);
  return (
    stored instanceof Uint8Array &&
    stored.length > SEALED_MAGIC.length &&
    SEALED_MAGIC.every((byte, i) => stored[i] === byte)
  );
}

/** The key id and `IV ‖ ciphertext ‖ tag` of a sealed value; undefined when malformed. */
export function parseSealed(stored: StoredValue): { keyId: string; body: Buffer } | undefined {
  if (typeof stored === 'string') {
    const colon = stored.indexOf(':', SEALED_PREFIX.length);
    if (!stored.startsWith(SEALED_PREFIX) || colon < 0) return undefined;
    const body = Buffer.from(stored.slice(colon + 1), 'base64');
    if (body.length < IV_BYTES + SEALED_TAG_BYTES) return undefined;
    return { keyId: stored.slice(SEALED_PREFIX.length, colon), body };
  }
  if (!isSealedValue(stored)) return undefined;
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const length = bytes[SEALED_MAGIC.length]!;
  const start = SEALED_MAGIC.length + 1;
  if (bytes.length < start + length + IV_BYTES + SEALED_TAG_BYTES) return undefined;
  return {
    keyId: bytes.toString('latin1', start, start + length),
    body: bytes.subarray(start + length),
  };
}
