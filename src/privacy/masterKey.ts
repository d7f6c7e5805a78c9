/**
 * The master key (LEDGER_ENCRYPTION_KEY) wraps every customer's data key; it never encrypts
 * events itself, so rotating it re-wraps a few hundred bytes per customer and touches no event.
 * Each wrapped key records the id of the master key that wrapped it, so a wrong key is named as
 * such instead of surfacing as a failed decryption somewhere later.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export const MASTER_KEY_BYTES = 32;

export interface MasterKey {
  readonly key: Buffer;
  /** First 8 bytes of SHA-256 of the key, hex: names the key without revealing it. */
  readonly id: string;
}

/** Parses base64 of exactly 32 bytes; the error message never echoes the value. */
export function parseMasterKey(raw: string): MasterKey {
  const text = raw.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== MASTER_KEY_BYTES) {
    throw new Error(
      `must be base64 of exactly ${MASTER_KEY_BYTES} random bytes (got ${key.length} bytes); ` +
        'generate one with: openssl rand -base64 32',
    );
  }
  return masterKeyOf(key);
}

export function masterKeyOf(key: Uint8Array): MasterKey {
  const bytes = Buffer.from(key);
  return { key: bytes, id: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}

export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

const WRAP_IV_BYTES = 12;
const WRAP_TAG_BYTES = 16;

function wrapAad(subject: string, keyId: string): Buffer {
  return Buffer.from(JSON.stringify(['compilot-ledger/data-key/v1', subject, keyId]), 'utf8');
}

/** IV ‖ ciphertext ‖ tag; the AAD binds the wrapped key to its subject and key id. */
export function wrapDataKey(
  master: MasterKey,
  dataKey: Buffer,
  subject: string,
  keyId: string,
): Buffer {
  const iv = randomBytes(WRAP_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(wrapAad(subject, keyId));
  return Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapDataKey(
  master: MasterKey,
  wrapped: Buffer,
  subject: string,
  keyId: string,
): Buffer {
  const iv = wrapped.subarray(0, WRAP_IV_BYTES);
  const tag = wrapped.subarray(wrapped.length - WRAP_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', master.key, iv);
  decipher.setAAD(wrapAad(subject, keyId));
  decipher.setAuthTag(tag);
  const opened = Buffer.concat([
    decipher.update(wrapped.subarray(WRAP_IV_BYTES, wrapped.length - WRAP_TAG_BYTES)),
    decipher.final(),
  ]);
  // A buffer of its own: Buffer.concat hands out a slice of Node's shared 8 KiB pool, so a key
  // kept in the key cache (up to 100,000 of them) would keep a whole slab alive, and key
  // material would share memory with whatever else the pool handed out. Buffer.alloc never
  // uses the pool. (The peak RSS of the encrypted rebuilds measured did not move with it.)
  const key = Buffer.alloc(opened.length);
  opened.copy(key);
  opened.fill(0);
  return key;
}

/**
 * A key for keyed blind indexes (HMAC-SHA-256 of wallet addresses, names, ...) derived from the
 * master key with HKDF, so lookups work without storing the value; `purpose` separates indexes.
 * Rotating the master key changes it: whoever stores blind indexes recomputes them then.
 */
export function deriveBlindIndexKey(master: MasterKey, purpose = 'blind-index/v1'): Buffer {
  return Buffer.from(
    hkdfSync('sha256', master.key, Buffer.alloc(0), `compilot-ledger/${purpose}`, 32),
  );
}
