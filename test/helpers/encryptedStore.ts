/**
 * The in-memory event store behind the real encrypting decorator and the real key store (a
 * SQLite file in the test's directory), and the erasure port over it: pure tests of retention
 * and erasure run on the same crypto-shredding as the service.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';
import { customerStream } from '../../src/events/streams.js';
import { ERASED_EVENT_TYPE } from '../../src/events/retentionEvents.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { eraseCustomer } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import type { SubjectKeys } from '../../src/retention/subjectKeys.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { TEST_ENCRYPTION_KEY } from './encryptionKey.js';

export interface EncryptedStore {
  /** What the service reads and writes through. */
  readonly store: EventStore;
  /** The adapter underneath (writes here are stored in plaintext). */
  readonly inner: EventStore;
  readonly keys: SubjectKeys;
}

export function encryptedStore(t: Test, inner: EventStore = createInMemoryEventStore()) {
  const store = new EncryptingEventStore(
    inner,
    openKeyStore({
      path: join(t.testdir({}), 'keys.db'),
      master: masterKeyOf(Buffer.from(TEST_ENCRYPTION_KEY, 'base64')),
    }),
  );
  t.teardown(() => store.close());
  return { store, inner, keys: subjectKeysOf(store)! } satisfies EncryptedStore;
}

/** Erases the customer now, as an officer's `erase --override` does, whatever its period. */
export function eraseAtOnce({ store, keys }: EncryptedStore, customerId: string): Promise<unknown> {
  return eraseCustomer(
    { store, keys, retentionDays: 1826, alertIdsOf: () => [] },
    {
      customerId,
      reason: 'data subject request',
      by: 'officer_7',
      override: 'GDPR Art. 17: no AML obligation applies',
    },
  );
}

/**
 * The details snapshots that follow the customer's erasure record (there must be none), or
 * undefined when the stream holds no erasure record.
 */
export async function snapshotsAfterErasure(
  store: EventStore,
  customerId: string,
): Promise<RecordedEvent[] | undefined> {
  const events = await store.readStream(customerStream(customerId));
  const erasedAt = events.findIndex((e) => e.type === ERASED_EVENT_TYPE);
  if (erasedAt < 0) return undefined;
  return events.slice(erasedAt).filter((e) => e.type === DETAILS_EVENT_TYPE);
}
