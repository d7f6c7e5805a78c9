/**
 * The stored form of an encrypted event's data: a versioned binary envelope around AES-256-GCM.
 *
 *   magic "CLE" (3 bytes) ‖ version 0x01 ‖ IV (12 random bytes) ‖ ciphertext ‖ tag (16 bytes)
 *
 * The additional authenticated data binds the ciphertext to its event id and stream, so bytes
 * copied onto another event fail authentication instead of decrypting as someone else's data.
 * The migration of plaintext stores writes exactly this format (see encryptionMetadata.ts).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { IV_BYTES, nextIv } from './ivPool.js';

export const ENVELOPE_MAGIC = Buffer.from('CLE', 'ascii');
export const ENVELOPE_VERSION = 1;
const TAG_BYTES = 16;
const HEADER_BYTES = ENVELOPE_MAGIC.length + 1;
const HEADER = Buffer.concat([ENVELOPE_MAGIC, Buffer.of(ENVELOPE_VERSION)]);
/** Smallest envelope: header, IV and tag around an empty plaintext. */
export const ENVELOPE_MIN_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

/** What the ciphertext is bound to (the AAD). */
export interface EnvelopeBinding {
  readonly eventId: string;
  readonly streamName: string;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

function aad(binding: EnvelopeBinding): Buffer {
  return Buffer.from(
    JSON.stringify(['compilot-ledger/envelope/v1', binding.eventId, binding.streamName]),
    'utf8',
  );
}

export function sealEnvelope(key: Buffer, plaintext: Uint8Array, binding: EnvelopeBinding): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(binding));
  // One copy into the stored form (header, IV, ciphertext, tag): this runs once per event.
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([HEADER, iv, body, tail, cipher.getAuthTag()]);
}

export function isEnvelope(bytes: Uint8Array): boolean {
  return (
    bytes.length >= ENVELOPE_MIN_BYTES &&
    Buffer.from(bytes.buffer, bytes.byteOffset, ENVELOPE_MAGIC.length).equals(ENVELOPE_MAGIC)
  );
}

/** Decrypts and authenticates; throws an EnvelopeError naming what failed. */
export function openEnvelope(key: Buffer, stored: Uint8Array, binding: EnvelopeBinding): Buffer {
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.length);
  if (!isEnvelope(bytes)) throw new EnvelopeError('the stored data is not an encryption envelope');
  const version = bytes[ENVELOPE_MAGIC.length];
  if (version !== ENVELOPE_VERSION) {
    throw new EnvelopeError(`unknown encryption envelope version ${String(version)}`);
  }
  const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad(binding));
  decipher.setAuthTag(tag);
  try {
    const plaintext = decipher.update(body);
    // GCM is a stream mode: final() only checks the tag and returns no bytes, so no copy.
    decipher.final();
    return plaintext;
  } catch {
    throw new EnvelopeError(
      'the ciphertext fails AES-GCM authentication (changed, truncated, or moved from another event)',
    );
  }
}
