import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { WalSync } from '../../src/lib/walSync.js';

/** The files this process holds open, one entry per descriptor, from /proc (Linux). */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

/** How many descriptors of this process are open on `file` (SQLite holds its own too). */
function holders(file: string): number {
  return openFiles().filter((open) => open === file).length;
}

function walDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)');
  return db;
}

void t.test('a commit made without a flush is flushed from its WAL file', async (t) => {
  const path = join(t.testdir(), 'keys.db');
  const db = walDatabase(path);
  t.teardown(() => db.close());
  const wal = new WalSync(path);
  t.teardown(() => wal.close());
  db.prepare('INSERT INTO t VALUES (?)').run('a');
  const sqliteOwn = holders(`${path}-wal`);
  await wal.sync();
  t.equal(holders(`${path}-wal`), sqliteOwn + 1, 'the WAL file is the one flushed');
  t.equal(holders(path), 1, 'not the database file (only SQLite holds it)');
  await wal.sync();
  t.equal(holders(`${path}-wal`), sqliteOwn + 1, 'kept open from one flush to the next');
  wal.close();
  t.equal(holders(`${path}-wal`), sqliteOwn, 'close lets it go');
});

void t.test('a database without a WAL file is flushed itself', async (t) => {
  const path = join(t.testdir(), 'plain.db');
  const db = new Database(path);
  db.exec('CREATE TABLE t (v TEXT)');
  db.close();
  const wal = new WalSync(path);
  t.teardown(() => wal.close());
  await wal.sync();
  t.equal(holders(path), 1, 'the database file is the one flushed');
});

void t.test('a WAL file replaced since the last flush is opened again', async (t) => {
  const path = join(t.testdir(), 'keys.db');
  const wal = new WalSync(path);
  t.teardown(() => wal.close());
  let db = walDatabase(path);
  db.prepare('INSERT INTO t VALUES (?)').run('a');
  await wal.sync();
  // The last connection to close removes the WAL; the next one starts a new file.
  db.close();
  rmSync(`${path}-wal`, { force: true });
  db = walDatabase(path);
  t.teardown(() => db.close());
  db.prepare('INSERT INTO t VALUES (?)').run('b');
  const sqliteOwn = holders(`${path}-wal`);
  await wal.sync();
  t.equal(holders(`${path}-wal`), sqliteOwn + 1, 'the new WAL file is the one flushed');
  t.notOk(
    openFiles().some((file) => file.endsWith('(deleted)')),
    'the replaced file is not kept open',
  );
});

void t.test('a database that is not there rejects the flush instead of throwing', async (t) => {
  const wal = new WalSync(join(t.testdir(), 'missing.db'));
  await t.rejects(wal.sync(), { code: 'ENOENT' });
});
