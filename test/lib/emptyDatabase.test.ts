import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { holdsNoSchema } from '../../src/lib/emptyDatabase.js';

void t.test('a file SQLite created but nobody filled holds no schema', async (t) => {
  const path = join(t.testdir({}), 'new.db');
  writeFileSync(path, '');
  const db = new Database(path);
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  t.ok(holdsNoSchema(db), 'an empty file, even in WAL mode');
  db.exec('CREATE TABLE a (x)');
  t.notOk(holdsNoSchema(db), 'one table is a schema');
});
