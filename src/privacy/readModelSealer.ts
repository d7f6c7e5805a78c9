/**
 * The read model's sealer (the port is src/readmodel/sealedColumns.ts, matched structurally):
 * personal read-model values are sealed with AES-256-GCM under the data key of the customer the
 * row belongs to, the same key that encrypts that customer's events, so destroying the key
 * (erasure) makes the read model's copies unreadable too.
 *
 *   stored = "CLS" 0x02 ‖ key id ‖ IV (12 random bytes) ‖ ciphertext ‖ tag (16 bytes)
 *
 * as a BLOB (sealedValue.ts; the earlier text form `cls1:...` is still opened).
 * The AAD binds the value to its customer and its table and column. The key id names the data
 * key, so a value of a destroyed key reads as erased while a newer key of the same customer
 * (a later generation) opens newer values. Values are sealed under a key being erased as well
 * (the projections may still apply events decrypted before the erasure began), and a customer
 * whose only key is destroyed gets shredded values (sealedValue.ts): so data decrypted before
 * an erasure never reaches the read model's file in plaintext, however late it is written. A
 * customer that never had a key (events stored before encryption) gets its values stored as
 * they are; so do the erasure's stubs, in rows the projections declare free of personal data.
 * Equality lookups use blind indexes: HMAC-SHA-256 under a key derived from the master key,
 * of the exact value (wallet keys are already normalised by the projection).
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import type { EventStore } from '../store/eventStore.js';
import { EncryptingEventStore } from './encryptingEventStore.js';
import type { KeyStore } from './keyStore.js';
import { IV_BYTES } from './ivPool.js';
import { ParallelSeal } from './parallelSeal.js';
import {
  SEALED_TAG_BYTES,
  isSealedValue,
  parseSealed,
  sealUnder,
  sealedValueAad,
  type StoredValue,
} from './sealedValue.js';
import { deriveBlindIndexKey, type MasterKey } from './masterKey.js';

/** What a value of a destroyed key opens to (the port's ERASED, passed in to avoid an import). */
export interface ReadModelSealerOf<Erased> {
  seal(subject: string, purpose: string, plaintext: string): StoredValue;
  open(subject: string, purpose: string, stored: StoredValue): string | Erased;
  blind(purpose: string, value: string): string;
  isSealed(stored: StoredValue): boolean;
  /** Sealing beside the writing thread for flushes (the port's SealBatch). */
  readonly batch?: ParallelSeal;
}

export class ReadModelSealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadModelSealError';
  }
}

export function createReadModelSealer<Erased>(
  keys: KeyStore,
  master: MasterKey,
  erased: Erased,
): ReadModelSealerOf<Erased> {
  const blindKey = deriveBlindIndexKey(master, 'read-model/blind-index/v1');
  return {
    batch: new ParallelSeal(keys),
    seal(subject, purpose, plaintext) {
      // Under a key being erased too: data decrypted while the erasure runs goes with the key.
      // The erasure's stubs are rows the projections declare unsealed (TableSpec.unsealedRows).
      return sealUnder(keys.sealingKey(subject), subject, purpose, plaintext);
    },
    open(subject, purpose, stored) {
      const parsed = parseSealed(stored);
      if (parsed === undefined) {
        throw new ReadModelSealError(
          `a read-model value of ${purpose} is not a well-formed sealed value`,
        );
      }
      const { keyId, body } = parsed;
      const found = keys.lookup(keyId);
      if (found.state === 'destroyed') return erased;
      if (found.state === 'missing') {
        throw new ReadModelSealError(
          `a read-model value of ${purpose} is sealed under data key ${keyId}, which the key store does not hold (wrong KEY_STORE_URL?)`,
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', found.key.key, body.subarray(0, IV_BYTES));
      decipher.setAAD(sealedValueAad(subject, purpose));
      decipher.setAuthTag(body.subarray(body.length - SEALED_TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(body.subarray(IV_BYTES, body.length - SEALED_TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new ReadModelSealError(
          `a read-model value of ${purpose} fails AES-GCM authentication (changed, or moved from another row)`,
        );
      }
    },
    blind(purpose, value) {
      return createHmac('sha256', blindKey)
        .update(purpose, 'utf8')
        .update('\u0000')
        .update(value, 'utf8')
        .digest('base64url');
    },
    isSealed: isSealedValue,
  };
}

/** The sealer for a store that encrypts at rest; undefined for a plaintext store. */
export function readModelSealerFor<Erased>(
  store: EventStore,
  master: MasterKey | undefined,
  erased: Erased,
): ReadModelSealerOf<Erased> | undefined {
  if (!(store instanceof EncryptingEventStore) || master === undefined) return undefined;
  return createReadModelSealer(store.keys, master, erased);
}
