import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { DataKey } from '../../src/privacy/keyCache.js';
import { KeyCreation } from '../../src/privacy/keyCreation.js';
import { SubjectErasingError } from '../../src/privacy/keyRecords.js';
import { openKeyDatabase } from '../../src/privacy/keyStoreFile.js';
import { masterKeyOf, unwrapDataKey } from '../../src/privacy/masterKey.js';
import { StoreUnavailableError } from '../../src/store/eventStore.js';

const master = masterKeyOf(Buffer.alloc(32, 1));

interface Row {
  key_id: string;
  subject: string;
  wrapped: Buffer;
}

/** A creation queue on a real key-store file, with subjects the test declares live or erasing. */
function creationOn(path: string, live: Map<string, DataKey | Error> = new Map()) {
  const db = openKeyDatabase(path, false);
  const handed: DataKey[] = [];
  const creation = new KeyCreation(db, master, {
    existing: (subject) => live.get(subject),
    handedOut: (key) => handed.push(key),
  });
  return { db, creation, handed };
}

void t.test('the subjects asked for in one turn get their keys in one transaction', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const { db, creation, handed } = creationOn(path);
  t.teardown(() => db.close());
  const watcher = new Database(path, { readonly: true });
  t.teardown(() => watcher.close());
  const version = () => watcher.pragma('data_version', { simple: true }) as number;
  const start = version();
  const keys = await Promise.all(['c-1', 'c-2', 'c-1', 'c-3'].map((s) => creation.request(s)));
  t.equal(version() - start, 1, 'another connection sees exactly one commit');
  t.equal(keys[0], keys[2], 'a subject asked twice in one turn gets the same key');
  t.same(new Set(keys.map((k) => k.subject)), new Set(['c-1', 'c-2', 'c-3']));
  t.equal(handed.length, 4, 'each waiter is handed its key after the commit');
  const rows = db.prepare('SELECT key_id, subject, wrapped FROM data_keys').all() as Row[];
  t.equal(rows.length, 3, 'one row per subject');
  for (const key of keys) {
    const row = rows.find((r) => r.key_id === key.keyId)!;
    t.same(unwrapDataKey(master, row.wrapped, row.subject, row.key_id), key.key, 'stored wrapped');
  }
});

void t.test('a live key is handed out again and an erasing subject is refused', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const existing: DataKey = { subject: 'c-1', keyId: 'k-1', key: Buffer.alloc(32, 7) };
  const live = new Map<string, DataKey | Error>([
    ['c-1', existing],
    ['c-2', new SubjectErasingError('c-2')],
  ]);
  const { db, creation } = creationOn(path, live);
  t.teardown(() => db.close());
  const [first, second] = await Promise.allSettled([
    creation.request('c-1'),
    creation.request('c-2'),
  ]);
  t.same(first, { status: 'fulfilled', value: existing }, 'no new key for a live subject');
  t.equal(second.status, 'rejected');
  t.type(second.status === 'rejected' ? second.reason : undefined, SubjectErasingError);
  t.equal((db.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n, 0);
});

void t.test('a failed transaction rejects every waiter and writes nothing', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const { db, creation } = creationOn(path);
  const blocker = new Database(path);
  blocker.pragma('busy_timeout = 0');
  db.pragma('busy_timeout = 0');
  blocker.exec('BEGIN IMMEDIATE');
  const results = await Promise.allSettled([creation.request('c-1'), creation.request('c-2')]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  for (const r of results) {
    const reason: unknown = r.status === 'rejected' ? r.reason : undefined;
    t.type(reason, StoreUnavailableError, 'a retryable store error (ingress answers 503)');
    t.match(
      (reason as Error).message,
      /the key store cannot create a data key: database is locked/,
    );
  }
  blocker.exec('ROLLBACK');
  t.equal((blocker.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n, 0);
  blocker.close();
  db.close();
});

/** A flush the test completes or fails by hand. */
function manualFlush() {
  const calls: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const durable = (): Promise<void> =>
    new Promise((resolve, reject) => calls.push({ resolve, reject }));
  return { durable, calls };
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

void t.test('keys are handed out only once their commit is flushed', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const db = openKeyDatabase(path, false);
  t.teardown(() => db.close());
  const handed: DataKey[] = [];
  const { durable, calls } = manualFlush();
  const creation = new KeyCreation(
    db,
    master,
    { existing: () => undefined, handedOut: (key) => handed.push(key) },
    durable,
  );
  let settled = false;
  const asked = creation.request('c-1').then((key) => {
    settled = true;
    return key;
  });
  await turns(5);
  t.equal(calls.length, 1, 'the commit asked for one flush');
  t.equal((db.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n, 1);
  t.notOk(settled, 'the waiter is still waiting for the flush');
  t.same(handed, [], 'nothing is cached for other appends yet');
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'the connection is back to FULL');
  const { key_id: keyId } = db.prepare('SELECT key_id FROM data_keys').get() as Row;
  t.ok(creation.isSyncing(keyId), 'appends must not use it from another path meanwhile');
  calls[0]!.resolve();
  const key = await asked;
  t.same(handed, [key], 'handed out once flushed');
  t.notOk(creation.isSyncing(keyId), 'and usable by every path');
});

void t.test(
  'a failed flush refuses the waiters, and a later request waits for its own',
  async (t) => {
    const path = join(t.testdir({}), 'keys.db');
    const db = openKeyDatabase(path, false);
    t.teardown(() => db.close());
    const handed: DataKey[] = [];
    const { durable, calls } = manualFlush();
    const committed = new Map<string, DataKey>();
    const creation = new KeyCreation(
      db,
      master,
      {
        // The row the first attempt committed, as the key store reads it back.
        existing: (subject) => committed.get(subject),
        handedOut: (key) => handed.push(key),
      },
      durable,
    );
    const first = creation.request('c-1');
    await turns(5);
    calls[0]!.reject(new Error('EIO: i/o error, fdatasync'));
    const failed = await first.then(
      () => undefined,
      (error: unknown) => error,
    );
    t.type(failed, StoreUnavailableError, 'a retryable store error (ingress answers 503)');
    t.match((failed as Error).message, /cannot create a data key: EIO/);
    t.same(handed, [], 'nothing was handed out');
    t.ok(
      creation.isSyncing((db.prepare('SELECT key_id FROM data_keys').get() as Row).key_id),
      'the committed key stays unusable until a flush succeeds',
    );

    const row = db.prepare('SELECT key_id, subject, wrapped FROM data_keys').get() as Row;
    committed.set('c-1', {
      subject: 'c-1',
      keyId: row.key_id,
      key: unwrapDataKey(master, row.wrapped, row.subject, row.key_id),
    });
    const again = creation.request('c-1');
    await turns(5);
    t.equal(calls.length, 2, 'the retry asks for a flush of its own');
    calls[1]!.resolve();
    t.equal((await again).keyId, row.key_id, 'the committed key, once flushed');
    t.equal(handed.length, 1);
    t.notOk(creation.isSyncing(row.key_id), 'the later flush covers the earlier commit');
  },
);
