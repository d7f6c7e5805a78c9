/**
 * Group commit: appends queue up and are written together, one `BEGIN IMMEDIATE` ... `COMMIT`
 * (one WAL fsync) per batch. A batch is flushed from `setImmediate`, i.e. after the event loop
 * has handled every request that was ready; requests arriving while a COMMIT blocks the loop
 * are handled afterwards and form the next batch. Each caller's promise settles only after the
 * COMMIT holding its events has returned.
 */
import type { Logger } from '../../lib/logger.js';
import { StoreUnavailableError, type AppendResult } from '../eventStore.js';
import type { AppendRequest } from './applyAppend.js';
import { sqliteCode, toPortError } from './errors.js';
import type { Statements } from './statements.js';

/** What one successful COMMIT held; passed to the `onCommit` option (e.g. for metrics). */
export interface CommitInfo {
  /** Appends in the batch, including rejected and duplicate ones. */
  readonly appends: number;
  /** Events written by the batch. */
  readonly events: number;
  /** BEGIN to COMMIT, fsync included. */
  readonly durationMs: number;
}

/** Counters since the store was opened. */
export interface GroupCommitStats {
  /** Successful COMMITs (= WAL fsyncs for appends). */
  readonly commits: number;
  /** Appends acknowledged, duplicates included. */
  readonly appends: number;
  readonly eventsWritten: number;
  /** Appends answered `duplicate: true`. */
  readonly duplicates: number;
  /** Appends refused by a conflict (rolled back to their savepoint; their batch committed). */
  readonly rejectedAppends: number;
  /** Batches whose BEGIN or COMMIT failed; every append in them got StoreUnavailableError. */
  readonly failedBatches: number;
  readonly largestBatch: number;
}

export interface GroupCommitOptions {
  readonly statements: Statements;
  readonly isInTransaction: () => boolean;
  readonly apply: (request: AppendRequest, recordedAt: string) => AppendResult;
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

interface Pending {
  readonly request: AppendRequest;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult; written: number } | { ok: false; error: unknown };

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { statements, isInTransaction, apply, maxBatchSize, clock, logger } = options;
  const queue: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const counters = {
    commits: 0,
    appends: 0,
    eventsWritten: 0,
    duplicates: 0,
    rejectedAppends: 0,
    failedBatches: 0,
    largestBatch: 0,
  };

  function runScheduled(): void {
    scheduled = undefined;
    flushBatch();
    if (queue.length > 0) scheduled = setImmediate(runScheduled);
  }

  function flushBatch(): void {
    const batch = queue.splice(0, maxBatchSize);
    const started = performance.now();
    const outcomes: Outcome[] = [];
    try {
      statements.begin();
      const recordedAt = clock().toISOString();
      for (const pending of batch) {
        outcomes.push(applyInSavepoint(pending.request, recordedAt));
      }
      statements.commit();
    } catch (error) {
      failBatch(batch, error);
      return;
    }
    const durationMs = performance.now() - started;
    options.afterCommit();
    record(batch.length, outcomes, durationMs);
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
  }

  /** Rejections roll back to the savepoint and leave no trace; others in the batch go on. */
  function applyInSavepoint(request: AppendRequest, recordedAt: string): Outcome {
    statements.savepoint();
    try {
      const result = apply(request, recordedAt);
      statements.releaseSavepoint();
      return { ok: true, result, written: result.duplicate ? 0 : request.events.length };
    } catch (error) {
      // After IOERR, FULL and the like SQLite may have rolled back the whole transaction;
      // then nothing in the batch can commit, and the batch fails as a whole.
      if (!isInTransaction()) throw error;
      statements.rollbackToSavepoint();
      statements.releaseSavepoint();
      return { ok: false, error: toPortError(error, 'append') };
    }
  }

  function failBatch(batch: readonly Pending[], error: unknown): void {
    try {
      if (isInTransaction()) statements.rollback();
    } catch (rollbackError) {
      logger?.error({ code: sqliteCode(rollbackError) }, 'event store rollback failed');
    }
    counters.failedBatches += 1;
    logger?.error(
      { code: sqliteCode(error), appends: batch.length },
      'event store batch failed; no append of the batch was written',
    );
    for (const pending of batch) {
      pending.reject(
        new StoreUnavailableError(toPortError(error, 'commit').message, { cause: error }),
      );
    }
  }

  function record(size: number, outcomes: readonly Outcome[], durationMs: number): void {
    let events = 0;
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        counters.rejectedAppends += 1;
        continue;
      }
      counters.appends += 1;
      if (outcome.result.duplicate) counters.duplicates += 1;
      events += outcome.written;
    }
    counters.commits += 1;
    counters.eventsWritten += events;
    counters.largestBatch = Math.max(counters.largestBatch, size);
    try {
      options.onCommit?.({ appends: size, events, durationMs });
    } catch (error) {
      logger?.warn({ err: error }, 'onCommit callback threw; ignored');
    }
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
    stats: () => ({ ...counters }),
  };
}
