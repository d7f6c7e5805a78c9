/**
 * Group commit in the thread that owns the connection: appends queue up and are written
 * together, one `BEGIN IMMEDIATE` ... `COMMIT` (one WAL fsync) per batch. A batch is flushed
 * from `setImmediate`, i.e. after the event loop has handled every request that was ready;
 * requests arriving while a COMMIT blocks the loop are handled afterwards and form the next
 * batch. Each caller's promise settles only after the COMMIT holding its events has returned.
 */
import type { Logger } from '../../lib/logger.js';
import type { AppendResult } from '../eventStore.js';
import { StoreUnavailableError } from '../eventStore.js';
import type { AppendRequest } from './applyAppend.js';
import { writeBatch, type BatchDeps, type CommittedBatch } from './batchTransaction.js';
import {
  createBatchSettler,
  type CommitInfo,
  type GroupCommitStats,
  type Waiter,
} from './batchSettler.js';
import { sqliteCode, toPortError } from './sqliteErrors.js';

export type { CommitInfo, GroupCommitStats };

export interface GroupCommitOptions extends BatchDeps {
  readonly maxBatchSize: number;
  readonly clock: () => Date;
  /** Runs after each successful COMMIT, before callers are answered. */
  readonly afterCommit: () => void;
  readonly onCommit?: (info: CommitInfo) => void;
  readonly logger?: Logger;
}

export interface GroupCommit {
  enqueue(request: AppendRequest): Promise<AppendResult>;
  /** Writes everything queued now, synchronously (used by close). */
  drain(): void;
  stats(): GroupCommitStats;
}

interface Pending extends Waiter {
  readonly request: AppendRequest;
}

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { maxBatchSize, clock, logger } = options;
  const deps: BatchDeps = {
    statements: options.statements,
    isInTransaction: options.isInTransaction,
    apply: options.apply,
    onRollbackFailure: (error) =>
      logger?.error({ code: sqliteCode(error) }, 'event store rollback failed'),
  };
  const settler = createBatchSettler(options);
  const queue: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  function runScheduled(): void {
    scheduled = undefined;
    flushBatch();
    if (queue.length > 0) scheduled = setImmediate(runScheduled);
  }

  function flushBatch(): void {
    const batch = queue.splice(0, maxBatchSize);
    let written: CommittedBatch;
    try {
      const recordedAt = clock().toISOString();
      written = writeBatch(
        deps,
        batch.map(({ request }) => ({ request, recordedAt })),
      );
    } catch (error) {
      const failure = new StoreUnavailableError(toPortError(error, 'commit').message, {
        cause: error,
      });
      settler.failed(batch, failure, error);
      return;
    }
    settler.committed(batch, written.outcomes, written.durationMs);
  }

  return {
    enqueue(request) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        scheduled ??= setImmediate(runScheduled);
      });
    },
    drain() {
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      while (queue.length > 0) flushBatch();
    },
    stats: () => settler.stats(),
  };
}
