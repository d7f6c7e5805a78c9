/**
 * The stored form of a sealed read-model value (readModelSealer.ts), shared by the sealer and
 * the seal thread (parallelSeal.ts) so both write exactly this:
 *
 *   "cls1:" ‖ key id ‖ ":" ‖ base64(IV (12 random bytes) ‖ ciphertext ‖ tag (16 bytes))
 *
 * with the AAD binding the value to its customer and its table and column.
 */
import { createCipheriv } from 'node:crypto';
import { IV_BYTES, nextIv } from './ivPool.js';

export const SEALED_PREFIX = 'cls1:';
export const SEALED_TAG_BYTES = 16;

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
): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(sealedValueAad(subject, purpose));
  // GCM is a stream mode: the ciphertext is as long as the UTF-8 plaintext and final()
  // returns nothing, so one buffer holds IV, ciphertext and tag without a concat.
  const text = Buffer.from(plaintext, 'utf8');
  const body = Buffer.allocUnsafe(IV_BYTES + text.length + SEALED_TAG_BYTES);
  iv.copy(body, 0);
  cipher.update(text).copy(body, IV_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(body, IV_BYTES + text.length);
  return `${SEALED_PREFIX}${keyId}:${body.toString('base64')}`;
}
