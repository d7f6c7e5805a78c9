import Database from 'better-sqlite3';
import t from 'tap';
import type { SealBatch } from '../../src/readmodel/sealedColumns.js';
import { WriteQueue } from '../../src/readmodel/writeQueue.js';

/**
 * A scripted SealBatch (a test double of our own port, not of a vendor): "seals" by wrapping
 * the value, and says a ticket is ready only once the test released it.
 */
function scriptedBatch() {
  const values: Uint8Array[] = [];
  let released = -1;
  let ended = 0;
  const batch: SealBatch = {
    submit: (_subject, _purpose, plaintext) => values.push(Buffer.from(`sealed(${plaintext})`)) - 1,
    ready: (ticket) => ticket <= released,
    take: (ticket) => values[ticket]!,
    end: () => {
      ended += 1;
    },
  };
  return {
    batch,
    release: (ticket: number) => (released = ticket),
    ended: () => ended,
  };
}

function table() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT)');
  const insert = db.prepare<unknown[]>('INSERT INTO t (value) VALUES (?)');
  // Sealed values are stored as BLOBs: read back as text to compare.
  const rows = () =>
    db
      .prepare('SELECT value FROM t ORDER BY seq')
      .pluck()
      .all()
      .map((value) => (Buffer.isBuffer(value) ? value.toString() : value));
  return { insert, rows };
}

void t.test(
  'statements run in the order issued, each once its sealed values are ready',
  async (t) => {
    const { batch, release, ended } = scriptedBatch();
    const { insert, rows } = table();
    const queue = new WriteQueue(batch);
    queue.run(insert, ['plain-1']);
    const first = batch.submit('c', 'p', 'a') as number;
    queue.run(insert, [null], [[0, first]]);
    queue.run(insert, ['plain-2']);
    t.same(rows(), ['plain-1'], 'a statement after a waiting one waits too');
    release(first);
    const second = batch.submit('c', 'p', 'b') as number;
    queue.run(insert, [null], [[0, second]]);
    t.same(rows(), ['plain-1', 'sealed(a)', 'plain-2'], 'ready ones run as soon as issued');
    queue.finish();
    t.same(rows(), ['plain-1', 'sealed(a)', 'plain-2', 'sealed(b)'], 'finish runs the rest');
    t.equal(ended(), 1, 'and ends the flush');
  },
);

void t.test('discarding a flush drops what waits and ends the batch', async (t) => {
  const { batch, ended } = scriptedBatch();
  const { insert, rows } = table();
  const queue = new WriteQueue(batch);
  queue.run(insert, [null], [[0, batch.submit('c', 'p', 'x') as number]]);
  queue.discard();
  queue.finish();
  t.same(rows(), []);
  t.equal(ended(), 2);
});

void t.test('without a batch every statement runs at once', async (t) => {
  const { insert, rows } = table();
  const queue = new WriteQueue(undefined);
  t.equal(queue.tickets(), undefined);
  queue.run(insert, ['a']);
  queue.run(insert, ['b']);
  t.same(rows(), ['a', 'b']);
});
