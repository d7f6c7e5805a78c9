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
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import type { SubjectKeys } from '../../src/retention/subjectKeys.js';
import type { EventStore } from '../../src/store/eventStore.js';
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
