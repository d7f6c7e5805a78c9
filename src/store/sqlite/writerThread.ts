/**
 * The writer thread (a `worker_threads` Worker started by `workerWriter.ts`): owns the store's
 * write connection, so the inserts and the COMMIT's fsync never block the main thread's event
 * loop. Group commit as in the main thread: appends arriving while a COMMIT runs are queued and
 * flushed together from `setImmediate`; one answer per transaction, in queue order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { applyAppend } from './applyAppend.js';
import { writeBatch, type BatchDeps, type BatchEntry } from './batchTransaction.js';
import { sqliteCode, toPortError } from './sqliteErrors.js';
import { openWriterConnection } from './schema.js';
import { prepareStatements } from './statements.js';
import {
  toWireError,
  toWireOutcome,
  type FromWriter,
  type ToWriter,
  type WriterThreadData,
} from './writerProtocol.js';

const port = parentPort!;
const { path, busyTimeoutMs, maxBatchSize, chain } = workerData as WriterThreadData;
const send = (message: FromWriter): void => port.postMessage(message);

let db: Database.Database | undefined;
try {
  db = openWriterConnection(path, busyTimeoutMs);
} catch (error) {
  send({ type: 'fatal', error: toWireError(toPortError(error, 'open')) });
}

if (db !== undefined) serve(db);

function serve(connection: Database.Database): void {
  const statements = prepareStatements(connection);
  const deps: BatchDeps = {
    statements,
    isInTransaction: () => connection.inTransaction,
    apply: (request, recordedAt) => applyAppend(statements, request, recordedAt, chain),
    onRollbackFailure: (error) =>
      send({ type: 'log', message: 'event store rollback failed', code: sqliteCode(error) }),
  };
  const queue: BatchEntry[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  function flushBatch(): void {
    const batch = queue.splice(0, maxBatchSize);
    try {
      const { outcomes, durationMs } = writeBatch(deps, batch);
      send({ type: 'committed', outcomes: outcomes.map(toWireOutcome), durationMs });
    } catch (error) {
      send({
        type: 'failed',
        count: batch.length,
        error: toWireError(toPortError(error, 'commit')),
      });
    }
  }

  function runScheduled(): void {
    scheduled = undefined;
    flushBatch();
    if (queue.length > 0) scheduled = setImmediate(runScheduled);
  }

  port.on('message', (message: ToWriter) => {
    switch (message.type) {
      case 'append':
        for (const request of message.requests) {
          queue.push({ request, recordedAt: message.recordedAt });
        }
        scheduled ??= setImmediate(runScheduled);
        return;
      case 'check':
        // Taking the write lock proves the file is writable and no other process is wedged on it.
        try {
          statements.begin();
          statements.rollback();
          send({ type: 'checked' });
        } catch (error) {
          send({ type: 'checked', error: toWireError(toPortError(error, 'writability check')) });
        }
        return;
      case 'close':
        if (scheduled) clearImmediate(scheduled);
        scheduled = undefined;
        while (queue.length > 0) flushBatch();
        connection.close();
        send({ type: 'closed' });
        port.close();
        return;
    }
  });
}
