/**
 * The read-model writer thread (bulkWriter.ts): runs a rebuild's flushes on a connection of its
 * own, each in one transaction that starts with the generation check and ends with COMMIT. It
 * sees statements and their (already sealed) values only. Every part is counted as finished,
 * written or not, so the reading thread never waits for a part that will not come.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import { openReadModel } from './readModelStore.js';
import type { FenceFailure, WriterData, WriterPart, WriterReply } from './bulkWriter.js';

const { path, done: doneBuffer, port } = workerData as WriterData;
const done = new Int32Array(doneBuffer);
const db = openReadModel(path);
const statements = new Map<string, Statement<unknown[]>>();
const generation = db.prepare<[string, number], { state: string; checkpoint: string | null }>(
  'SELECT state, checkpoint FROM projection_generations WHERE projection = ? AND generation = ?',
);
/** The flush being written, or the one being skipped after it failed. */
let current: { seq: number; skip: boolean } | undefined;

function prepared(sql: string): Statement<unknown[]> {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function rollback(): void {
  if (db.inTransaction) db.exec('ROLLBACK');
}

function reply(message: WriterReply): void {
  port.postMessage(message);
}

function write(part: Extract<WriterPart, { kind: 'part' }>): void {
  if (current?.seq !== part.seq) {
    // A flush left open by its reader (it threw before `end`) is dropped.
    rollback();
    current = { seq: part.seq, skip: false };
    db.exec('BEGIN IMMEDIATE');
    const fence = part.fence!;
    const row = generation.get(fence.projection, fence.generation);
    const outcome: FenceFailure['outcome'] | undefined =
      row === undefined || row.state !== fence.state
        ? 'gone'
        : row.checkpoint !== fence.base
          ? 'conflict'
          : undefined;
    if (outcome !== undefined) {
      rollback();
      current.skip = true;
      reply({ seq: part.seq, fence: { ...fence, outcome } });
    }
  }
  if (current.skip) return;
  const { ops } = part;
  for (let i = 0; i < ops.length; i += 2) {
    prepared(ops[i] as string).run(...(ops[i + 1] as unknown[]));
  }
  if (part.last) db.exec('COMMIT');
}

parentPort!.on('message', (part: WriterPart) => {
  if (part.kind === 'close') {
    rollback();
    db.close();
    port.close();
    parentPort!.close();
    return;
  }
  try {
    if (part.kind === 'abort') {
      if (current?.seq === part.seq) {
        rollback();
        current = { seq: part.seq, skip: true };
      }
    } else write(part);
  } catch (error) {
    rollback();
    current = { seq: part.seq, skip: true };
    reply({ seq: part.seq, error: error instanceof Error ? error.message : String(error) });
  } finally {
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  }
});
