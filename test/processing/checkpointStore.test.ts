import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { createCheckpointStore } from '../../src/processing/checkpointStore.js';

void t.test('the table is created when missing and an unknown processor has no checkpoint', (t) => {
  const db = new Database(join(t.testdir(), 'readmodel.db'));
  t.teardown(() => db.close());
  const checkpoints = createCheckpointStore(db);
  t.equal(checkpoints.get('enrichment'), undefined);
  const columns = db.prepare('PRAGMA table_info(processor_checkpoints)').all() as {
    name: string;
  }[];
  t.same(
    columns.map((column) => column.name),
    ['name', 'position', 'updated_at'],
  );
  t.end();
});

void t.test('a checkpoint survives closing and reopening the database', (t) => {
  const path = join(t.testdir(), 'readmodel.db');
  const first = new Database(path);
  createCheckpointStore(first, { clock: () => new Date('2025-03-03T09:00:00Z') }).set(
    'enrichment',
    '00000000000000000042',
  );
  first.close();
  const second = new Database(path);
  t.teardown(() => second.close());
  t.equal(createCheckpointStore(second).get('enrichment'), '00000000000000000042');
  t.same(second.prepare('SELECT updated_at FROM processor_checkpoints').get(), {
    updated_at: '2025-03-03T09:00:00.000Z',
  });
  t.end();
});

void t.test('a checkpoint only moves forwards, per processor', (t) => {
  const db = new Database(join(t.testdir(), 'readmodel.db'));
  t.teardown(() => db.close());
  const checkpoints = createCheckpointStore(db);
  checkpoints.set('a', '00000000000000000010');
  checkpoints.set('a', '00000000000000000007');
  checkpoints.set('b', '00000000000000000003');
  t.equal(checkpoints.get('a'), '00000000000000000010', 'an older position does not win');
  checkpoints.set('a', '00000000000000000011');
  t.equal(checkpoints.get('a'), '00000000000000000011');
  t.equal(checkpoints.get('b'), '00000000000000000003');
  t.end();
});

void t.test('an existing table with rows is kept', (t) => {
  const path = join(t.testdir(), 'readmodel.db');
  const db = new Database(path);
  t.teardown(() => db.close());
  createCheckpointStore(db).set('kept', '00000000000000000005');
  t.equal(createCheckpointStore(db).get('kept'), '00000000000000000005');
  t.end();
});
