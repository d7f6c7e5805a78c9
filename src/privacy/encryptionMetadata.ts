/**
 * Turning a plaintext event into its stored, encrypted form and back. The format, also used by
 * the migration of plaintext stores:
 * - data: the envelope (envelope.ts), bound to the event id and stream name;
 * - metadata: the caller's metadata plus `encryption: { alg: 'A256GCM', subject, keyId,
 *   plaintextSha256 }`, covered by the link like all metadata, so the plaintext's hash stays
 *   provable after the key is destroyed.
 */
import { createHash } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '../store/eventStore.js';
import { InvalidAppendError } from '../store/eventStore.js';
import { EnvelopeError, openEnvelope, sealEnvelope } from './envelope.js';
import type { DataKey, KeyLookup } from './keyStore.js';

export const ENCRYPTION_METADATA_KEY = 'encryption';
export const ENCRYPTION_ALG = 'A256GCM';

export interface EncryptionMetadata {
  readonly alg: typeof ENCRYPTION_ALG;
  readonly subject: string;
  readonly keyId: string;
  readonly plaintextSha256: string;
}

export function encryptEvent(streamName: string, event: NewEvent, key: DataKey): NewEvent {
  if (ENCRYPTION_METADATA_KEY in event.metadata) {
    throw new InvalidAppendError(
      `metadata key "${ENCRYPTION_METADATA_KEY}" is reserved for encryption at rest`,
    );
  }
  const encryption: EncryptionMetadata = {
    alg: ENCRYPTION_ALG,
    subject: key.subject,
    keyId: key.keyId,
    plaintextSha256: createHash('sha256').update(event.data).digest('hex'),
  };
  return {
    ...event,
    data: sealEnvelope(key.key, event.data, { eventId: event.id, streamName }),
    metadata: { ...event.metadata, [ENCRYPTION_METADATA_KEY]: encryption },
  };
}

/** The event's encryption metadata if it has well-formed one. */
export function encryptionMetadataOf(
  metadata: Readonly<Record<string, unknown>>,
): EncryptionMetadata | undefined {
  const value = metadata[ENCRYPTION_METADATA_KEY] as Record<string, unknown> | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { alg, subject, keyId, plaintextSha256 } = value;
  if (
    alg !== ENCRYPTION_ALG ||
    typeof subject !== 'string' ||
    typeof keyId !== 'string' ||
    typeof plaintextSha256 !== 'string'
  ) {
    return undefined;
  }
  return { alg, subject, keyId, plaintextSha256 };
}

const EMPTY = Buffer.alloc(0);

/**
 * The event as callers see it: plaintext in `data` when its key decrypts it, empty `data` and a
 * state saying why otherwise. Never throws for a missing key or a bad ciphertext: projections
 * and verify decide what an unreadable event means.
 */
export function decryptEvent(
  event: RecordedEvent,
  lookup: (keyId: string) => KeyLookup,
): RecordedEvent {
  if (!(ENCRYPTION_METADATA_KEY in event.metadata)) return event;
  const meta = encryptionMetadataOf(event.metadata);
  const base = { storedData: event.data };
  if (meta === undefined) {
    return {
      ...event,
      data: EMPTY,
      encryption: {
        ...base,
        subject: '',
        keyId: '',
        plaintextSha256: '',
        state: 'undecryptable',
        problem: 'the encryption metadata is malformed',
      },
    };
  }
  const common = {
    ...base,
    subject: meta.subject,
    keyId: meta.keyId,
    plaintextSha256: meta.plaintextSha256,
  };
  const found = lookup(meta.keyId);
  if (found.state === 'destroyed') {
    return { ...event, data: EMPTY, encryption: { ...common, state: 'erased' } };
  }
  if (found.state === 'missing') {
    return {
      ...event,
      data: EMPTY,
      encryption: {
        ...common,
        state: 'undecryptable',
        problem: `the key store has no data key ${meta.keyId} (is KEY_STORE_URL the store's key store?)`,
      },
    };
  }
  try {
    const plaintext = openEnvelope(found.key.key, event.data, {
      eventId: event.id,
      streamName: event.streamName,
    });
    return { ...event, data: plaintext, encryption: { ...common, state: 'decrypted' } };
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    return {
      ...event,
      data: EMPTY,
      encryption: { ...common, state: 'undecryptable', problem: error.message },
    };
  }
}
