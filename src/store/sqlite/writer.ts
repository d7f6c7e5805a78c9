/**
 * Where the store's group commit runs: `worker` (a writer thread with its own connection, see
 * `workerWriter.ts`) or `inline` (on the main thread's connection, see `groupCommit.ts`). Both
 * keep the same guarantees; they differ only in which thread waits for the fsync.
 */
import type Database from 'better-sqlite3';
import type { AppendResult } from '../eventStore.js';
import { applyAppend, type AppendRequest } from './applyAppend.js';
import type { BatchSettlerOptions, GroupCommitStats } from './batchSettler.js';
import { translated } from './sqliteErrors.js';
import { createGroupCommit } from './groupCommit.js';
import type { Statements } from './statements.js';

export type WriterMode = 'worker' | 'inline';

export interface Writer {
  /** Settles once the COMMIT holding the append has returned. */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Rejects with StoreUnavailableError unless the write lock can be taken now. */
  checkWritable(): Promise<void>;
  /** Writes everything already handed to `append`, then releases the writer. */
  close(): Promise<void>;
  /** Group-commit counters since open. */
  stats(): GroupCommitStats;
}

export interface InlineWriterOptions extends BatchSettlerOptions {
  readonly db: Database.Database;
  readonly statements: Statements;
  readonly maxBatchSize: number;
  readonly clock: () => Date;
  /** False only in benchmarks: no links are stored (see SqliteEventStoreOptions.chain). */
  readonly chain: boolean;
}

/** Group commit on the main thread's connection: simple, but every COMMIT blocks the loop. */
export function createInlineWriter(options: InlineWriterOptions): Writer {
  const { db, statements } = options;
  const groupCommit = createGroupCommit({
    statements,
    isInTransaction: () => db.inTransaction,
    apply: (request, recordedAt) => applyAppend(statements, request, recordedAt, options.chain),
    maxBatchSize: options.maxBatchSize,
    clock: options.clock,
    afterCommit: options.afterCommit,
    onCommit: options.onCommit,
    logger: options.logger,
  });
  return {
    append: (request) => groupCommit.enqueue(request),
    // Taking the write lock proves the file is writable and no other process is wedged on it.
    checkWritable: () =>
      new Promise<void>((resolve) => {
        translated('writability check', () => {
          statements.begin();
          statements.rollback();
        });
        resolve();
      }),
    close() {
      groupCommit.drain();
      return Promise.resolve();
    },
    stats: () => groupCommit.stats(),
  };
}
