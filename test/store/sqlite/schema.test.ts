import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openDatabase, openReadOnlyDatabase } from '../../../src/store/sqlite/schema.js';

void t.test('read-only, a missing file is no event store, named by its path', async (t) => {
  const path = join(t.testdir({}), 'events.db');
  t.throws(() => openReadOnlyDatabase(path, 0), {
    name: 'StoreUnavailableError',
    message: `no event store at ${path}`,
  });
});

void t.test('read-only, an empty file is named as empty, not as a foreign database', async (t) => {
  // A first start killed before its schema committed leaves the file empty; so does truncation.
  const path = join(t.testdir({}), 'events.db');
  writeFileSync(path, '');
  t.throws(() => openReadOnlyDatabase(path, 0), {
    name: 'StoreUnavailableError',
    message: `${path} holds no event store: the file is empty (never initialised, or truncated)`,
  });
});

void t.test('read-only, another SQLite database is refused as not an event store', async (t) => {
  const path = join(t.testdir({}), 'other.db');
  const other = new Database(path);
  other.exec('CREATE TABLE something (x)');
  other.close();
  t.throws(() => openReadOnlyDatabase(path, 0), {
    name: 'StoreUnavailableError',
    message: `${path} is not a compilot-ledger event store`,
  });
  t.throws(() => openDatabase({ path, busyTimeoutMs: 0 }), {
    name: 'StoreUnavailableError',
    message: /but not an event store/,
  });
});

void t.test('an empty file is initialised by the first writable open', async (t) => {
  const path = join(t.testdir({}), 'events.db');
  writeFileSync(path, '');
  openDatabase({ path, busyTimeoutMs: 0 }).close();
  const db = openReadOnlyDatabase(path, 0);
  t.teardown(() => db.close());
  t.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});
