import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { SubjectErasingError } from '../../src/privacy/keyRecords.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf, unwrapDataKey } from '../../src/privacy/masterKey.js';

const master = masterKeyOf(Buffer.alloc(32, 1));
const otherMaster = masterKeyOf(Buffer.alloc(32, 2));

/** Every file SQLite may keep next to the database, concatenated. */
function filesBytes(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`, `${path}-journal`, `${path}-shm`]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file)),
  );
}

function wrappedBytes(path: string, subject: string): Buffer {
  const db = new Database(path, { readonly: true });
  const row = db.prepare('SELECT wrapped FROM data_keys WHERE subject = ?').get(subject) as {
    wrapped: Buffer;
  };
  db.close();
  return row.wrapped;
}

void t.test('a key created for a subject is durable, private and found again', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const keys = openKeyStore({ path, master });
  const [a, again, b] = await Promise.all([
    keys.keyForAppend('c-1'),
    keys.keyForAppend('c-1'),
    keys.keyForAppend('c-2'),
  ]);
  t.equal(a.keyId, again.keyId, 'one key per subject, even when asked twice in one tick');
  t.not(a.keyId, b.keyId);
  t.equal(a.key.length, 32);
  t.equal(statSync(path).mode & 0o777, 0o600, 'the key store file is mode 600');
  keys.close();
  const reopened = openKeyStore({ path, master });
  t.teardown(() => reopened.close());
  const found = reopened.lookup(a.keyId);
  t.equal(found.state, 'active');
  t.same(
    found.state === 'active' ? found.key.key : undefined,
    a.key,
    'the same key after a reopen',
  );
  t.equal(reopened.state('c-1')?.state, 'active');
  t.same([...reopened.subjects()].map((s) => s.subject).sort(), ['c-1', 'c-2']);
  t.equal(readFileSync(path).indexOf(a.key), -1, 'the file holds the key only wrapped');
});

void t.test('a wrong master key is a start-up error naming LEDGER_ENCRYPTION_KEY', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const keys = openKeyStore({ path, master });
  await keys.keyForAppend('c-1');
  keys.close();
  t.throws(
    () => openKeyStore({ path, master: otherMaster }),
    /LEDGER_ENCRYPTION_KEY \(key id [0-9a-f]{16}\) is not the key/,
  );
});

void t.test(
  'erasure: begin refuses new events, destroy leaves a tombstone and no key bytes in any file',
  async (t) => {
    const path = join(t.testdir({}), 'keys.db');
    const keys = openKeyStore({ path, master });
    t.teardown(() => keys.close());
    const key = await keys.keyForAppend('c-1');
    await keys.keyForAppend('c-2');
    const wrapped = wrappedBytes(path, 'c-1');
    t.not(filesBytes(path).indexOf(wrapped), -1, 'before: the wrapped key is in the file');
    t.throws(() => keys.destroy('c-1'), /begin the erasure/, 'destroy only after beginErasure');

    t.equal(keys.beginErasure('c-1').state, 'erasing');
    await t.rejects(keys.keyForAppend('c-1'), SubjectErasingError, 'no new events while erasing');
    t.equal(keys.lookup(key.keyId).state, 'erasing', 'still decrypts while erasing');
    t.equal(keys.abortErasure('c-1').state, 'active');
    t.equal(
      (await keys.keyForAppend('c-1')).keyId,
      key.keyId,
      'aborted: the same key takes events again',
    );

    keys.beginErasure('c-1');
    const tombstone = keys.destroy('c-1');
    t.equal(tombstone.state, 'destroyed');
    t.match(tombstone.destroyedAt, /^\d{4}-\d\d-\d\dT/);
    t.same(keys.lookup(key.keyId), { state: 'destroyed', destroyedAt: tombstone.destroyedAt });
    t.equal(keys.destroy('c-1').state, 'destroyed', 'destroying again is a no-op');
    const bytes = filesBytes(path);
    t.equal(bytes.indexOf(wrapped), -1, 'the wrapped key is in no file of the key store');
    t.equal(bytes.indexOf(wrapped.subarray(12, 44)), -1, 'not even its ciphertext part');
    t.equal(
      existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0,
      0,
      'the write-ahead log is empty',
    );

    const next = await keys.keyForAppend('c-1');
    t.not(next.keyId, key.keyId, 'a new event after erasure gets a new key generation');
    t.equal(keys.lookup(key.keyId).state, 'destroyed', 'the old events stay erased');
  },
);

void t.test('a key destroyed by another process stops decrypting here', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const service = openKeyStore({ path, master });
  const cli = openKeyStore({ path, master });
  t.teardown(() => {
    service.close();
    cli.close();
  });
  const key = await service.keyForAppend('c-1');
  t.equal(service.lookup(key.keyId).state, 'active', 'cached');
  cli.beginErasure('c-1');
  cli.destroy('c-1');
  // Changes by other processes are noticed from the next event-loop turn on.
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(service.lookup(key.keyId).state, 'destroyed');
});

void t.test('rotation re-wraps every data key under the new master key in one go', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const before = openKeyStore({ path, master });
  const k1 = await before.keyForAppend('c-1');
  const k2 = await before.keyForAppend('c-2');
  before.beginErasure('c-2');
  before.destroy('c-2');
  const k3 = await before.keyForAppend('c-3');
  before.close();
  const oldWrapped = wrappedBytes(path, 'c-1');

  const after = openKeyStore({ path, master: otherMaster, skipMasterKeyCheck: true });
  t.same(after.rotate(master), { rewrapped: 2, alreadyCurrent: 0 });
  t.same(after.rotate(master), { rewrapped: 0, alreadyCurrent: 2 }, 'a repeat changes nothing');
  after.close();

  const reopened = openKeyStore({ path, master: otherMaster });
  t.teardown(() => reopened.close());
  const found = reopened.lookup(k1.keyId);
  t.same(
    found.state === 'active' ? found.key.key : undefined,
    k1.key,
    'same data key, new wrapping',
  );
  t.equal(reopened.lookup(k2.keyId).state, 'destroyed', 'tombstones untouched');
  t.equal(reopened.lookup(k3.keyId).state, 'active');
  const newWrapped = wrappedBytes(path, 'c-1');
  t.throws(
    () => unwrapDataKey(master, newWrapped, 'c-1', k1.keyId),
    'the old master key no longer unwraps it',
  );
  t.equal(filesBytes(path).indexOf(oldWrapped), -1, 'the old wrapping is gone from the files');
  t.throws(
    () => openKeyStore({ path, master }),
    /LEDGER_ENCRYPTION_KEY/,
    'the old key is refused at start',
  );
});

void t.test(
  'rotation with the wrong previous key names LEDGER_ENCRYPTION_KEY_PREVIOUS and changes nothing',
  async (t) => {
    const path = join(t.testdir({}), 'keys.db');
    const keys = openKeyStore({ path, master });
    await keys.keyForAppend('c-1');
    keys.close();
    const third = masterKeyOf(Buffer.alloc(32, 3));
    const after = openKeyStore({ path, master: otherMaster, skipMasterKeyCheck: true });
    t.teardown(() => after.close());
    t.throws(
      () => after.rotate(third),
      /LEDGER_ENCRYPTION_KEY_PREVIOUS \(key id [0-9a-f]+\) did not wrap 1 data key/,
    );
    const again = openKeyStore({ path, master });
    t.equal([...again.subjects()].length, 1);
    again.close();
  },
);

void t.test(
  'a new key read by another path before its commit is flushed is not used for appends',
  async (t) => {
    const keys = openKeyStore({ path: join(t.testdir({}), 'keys.db'), master });
    t.teardown(() => keys.close());
    const asked = keys.keyForAppend('c-1');
    // The creating turn has committed; its flush runs in libuv's pool until a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(keys.sealingKey('c-1')?.kind, 'live', 'a projector sealing a value reads the row');
    t.equal(keys.cachedKeyForAppend('c-1'), undefined, 'but no append uses it before the flush');
    const key = await asked;
    t.equal(keys.cachedKeyForAppend('c-1')?.keyId, key.keyId, 'once flushed, every append does');
  },
);
