import { join } from 'node:path';
import t, { type Test } from 'tap';
import { BulkWriter, type FlushFence } from '../../src/readmodel/bulkWriter.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';

/**
 * A real read-model file with one building generation row and a table of notes, and a writer
 * thread on it (the real thread, with its own connection).
 */
function setup(t: Test) {
  const db = openReadModel(join(t.testdir(), 'readmodel.db'), { busyTimeoutMs: 2_000 });
  db.exec(`CREATE TABLE notes (n INTEGER NOT NULL);
    INSERT INTO projection_generations
      (projection, generation, version, state, checkpoint, events_applied, created_at)
    VALUES ('notes', 1, 1, 'building', NULL, 0, '2026-12-05T00:00:00.000Z')`);
  const writer = BulkWriter.open(db);
  if (writer === undefined) throw new Error('the writer thread did not start');
  t.teardown(async () => {
    await writer.close();
    db.close();
  });
  const insert = db.prepare<unknown[]>('INSERT INTO notes (n) VALUES (?)');
  const checkpoint = db.prepare<unknown[]>(
    "UPDATE projection_generations SET checkpoint = ? WHERE projection = 'notes'",
  );
  const fence: FlushFence = { projection: 'notes', generation: 1, state: 'building', base: null };
  const count = () => db.prepare('SELECT count(*) FROM notes').pluck().get() as number;
  const stored = () =>
    db
      .prepare("SELECT checkpoint FROM projection_generations WHERE projection = 'notes'")
      .pluck()
      .get() as string | null;
  return { db, writer, insert, checkpoint, fence, count, stored };
}

function flushNotes(
  s: ReturnType<typeof setup>,
  notes: number,
  options: { fence?: FlushFence; checkpoint?: string; note?: (n: number) => unknown } = {},
) {
  s.writer.begin(options.fence ?? s.fence);
  for (let n = 0; n < notes; n++) s.writer.run(s.insert, [options.note ? options.note(n) : n]);
  if (options.checkpoint !== undefined) s.writer.run(s.checkpoint, [options.checkpoint]);
  s.writer.end();
}

void t.test(
  'a flush handed to the writer thread commits with its checkpoint, and reads after it see it',
  async (t) => {
    const s = setup(t);
    // More statements than one part holds: the flush crosses threads in several messages.
    flushNotes(s, 5_000, { checkpoint: '00000000000000000007' });
    s.writer.beforeRead();
    t.equal(s.count(), 5_000);
    t.equal(s.stored(), '00000000000000000007');
    t.same(s.writer.takeFenceFailures(), []);
  },
);

void t.test('flushes commit in the order they were handed over', async (t) => {
  const s = setup(t);
  flushNotes(s, 10, { checkpoint: '00000000000000000001' });
  flushNotes(s, 10, {
    fence: { ...s.fence, base: '00000000000000000001' },
    checkpoint: '00000000000000000002',
  });
  s.writer.beforeRead();
  t.equal(s.count(), 20);
  t.equal(s.stored(), '00000000000000000002');
});

void t.test(
  'a flush whose generation another writer moved is rolled back and reported as a conflict',
  async (t) => {
    const s = setup(t);
    s.checkpoint.run('00000000000000000099');
    flushNotes(s, 3_000, { checkpoint: '00000000000000000010' });
    s.writer.beforeRead();
    t.equal(s.count(), 0, 'nothing of the flush is written');
    t.equal(s.stored(), '00000000000000000099', 'the other writer’s checkpoint stays');
    t.same(s.writer.takeFenceFailures(), [{ ...s.fence, outcome: 'conflict' }]);
    t.same(s.writer.takeFenceFailures(), [], 'each refusal is told once');
  },
);

void t.test('a flush whose generation was dropped is reported as gone', async (t) => {
  const s = setup(t);
  s.db.exec("DELETE FROM projection_generations WHERE projection = 'notes'");
  flushNotes(s, 5);
  s.writer.beforeRead();
  t.equal(s.count(), 0);
  t.same(s.writer.takeFenceFailures(), [{ ...s.fence, outcome: 'gone' }]);
});

void t.test(
  'a statement that fails rolls its whole flush back, and the next call says why',
  async (t) => {
    const s = setup(t);
    // The 2,500th note is NULL, which the table refuses: after a first part was written.
    flushNotes(s, 3_000, { note: (n) => (n === 2_499 ? null : n), checkpoint: '0001' });
    t.throws(() => s.writer.beforeRead(), /writing the read model failed: NOT NULL constraint/);
    t.equal(s.count(), 0, 'the part written before the failure is rolled back');
    t.equal(s.stored(), null);
    t.throws(() => s.writer.begin(s.fence), /writing the read model failed/, 'and it stays failed');
  },
);

void t.test(
  'closing the writer rolls back a flush left open and lets go of the write lock',
  async (t) => {
    const s = setup(t);
    // A part is written inside an open transaction; the flush never ends (its reader threw).
    s.writer.begin(s.fence);
    for (let n = 0; n < 3_000; n++) s.writer.run(s.insert, [n]);
    s.writer.beforeRead();
    await s.writer.close();
    // With busy_timeout at 2 s, a lock still held would fail this write.
    s.insert.run(-1);
    t.equal(s.count(), 1, 'only the write made after close');
  },
);

void t.test('an aborted flush is rolled back; the next one is written', async (t) => {
  const s = setup(t);
  s.writer.begin(s.fence);
  for (let n = 0; n < 3_000; n++) s.writer.run(s.insert, [n]);
  s.writer.abort();
  flushNotes(s, 4, { checkpoint: '0004' });
  s.writer.beforeRead();
  t.equal(s.count(), 4);
  t.equal(s.stored(), '0004');
});

void t.test('an in-memory read model gets no writer thread: it cannot be shared', async (t) => {
  const db: ReadModelDb = openReadModel(':memory:');
  t.teardown(() => db.close());
  t.equal(BulkWriter.open(db), undefined);
});
