import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import t from 'tap';
import { KeyStoreError } from '../../src/privacy/keyRecords.js';
import { checkMasterKey, openKeyDatabase } from '../../src/privacy/keyStoreFile.js';
import { masterKeyOf, wrapDataKey } from '../../src/privacy/masterKey.js';

const master = masterKeyOf(Buffer.alloc(32, 1));
const other = masterKeyOf(Buffer.alloc(32, 2));

void t.test('a writable key store is created private, in WAL with full sync', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const db = openKeyDatabase(path, false);
  t.teardown(() => db.close());
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
  t.equal(db.pragma('secure_delete', { simple: true }), 1, 'destroyed keys are zeroed');
});

void t.test('read-only without a file opens empty and creates nothing', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const db = openKeyDatabase(path, true);
  t.teardown(() => db.close());
  t.equal((db.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n, 0);
  t.notOk(existsSync(path), 'no key store file appears');
});

void t.test('read-only, a file its creator was killed before filling holds no keys', async (t) => {
  const dir = t.testdir({});
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, ''); // created private, not yet opened by SQLite
  const walOnly = join(dir, 'wal-only.db');
  const started = new Database(walOnly); // opened and switched to WAL, no schema yet
  started.pragma('journal_mode = WAL');
  started.close();
  for (const path of [empty, walOnly]) {
    const size = statSync(path).size;
    const db = openKeyDatabase(path, true);
    t.equal((db.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n, 0);
    db.close();
    t.equal(statSync(path).size, size, 'the file is left as it was');
  }
});

void t.test(
  'read-only, a file that is not a database is an error naming KEY_STORE_URL',
  async (t) => {
    const path = join(t.testdir({}), 'keys.db');
    writeFileSync(path, 'not a database, but long enough to have a header of sorts'.repeat(4));
    t.throws(() => openKeyDatabase(path, true), {
      name: 'KeyStoreError',
      message: /^KEY_STORE_URL: cannot read the key store .*keys\.db: file is not a database/,
    });
  },
);

void t.test('a path that cannot be opened is an error naming KEY_STORE_URL', async (t) => {
  const dir = t.testdir({});
  mkdirSync(join(dir, 'a-directory'));
  t.throws(() => openKeyDatabase(join(dir, 'a-directory'), true), {
    name: 'KeyStoreError',
    message: /^KEY_STORE_URL: cannot open the key store .*a-directory/,
  });
});

void t.test('keys wrapped by another master key fail the start-up check', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const db = openKeyDatabase(path, false);
  t.teardown(() => db.close());
  checkMasterKey(db, master, path);
  t.pass('an empty store passes');
  db.prepare(
    `INSERT INTO data_keys (key_id, subject, state, wrapped, master_key_id, created_at)
     VALUES ('k-1', 'c-1', 'active', ?, ?, '2026-01-01T00:00:00.000Z')`,
  ).run(wrapDataKey(other, Buffer.alloc(32, 3), 'c-1', 'k-1'), other.id);
  t.throws(() => checkMasterKey(db, master, path), KeyStoreError);
  t.throws(
    () => checkMasterKey(db, master, path),
    new RegExp(`key id ${master.id}\\) is not the key that wrapped .* \\(key id ${other.id}\\)`),
  );
  t.doesNotThrow(() => checkMasterKey(db, other, path), 'the right key passes');
});
