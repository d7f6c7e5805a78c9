/**
 * Answers the callers of a written (or failed) batch, in the thread that owns the store: counts
 * it, announces the commit to subscriptions and metrics, then settles every caller. The same
 * for the in-thread writer and the writer thread, so both report identically.
 */
import type { Logger } from '../../lib/logger.js';
import type { AppendResult, StoreUnavailableError } from '../eventStore.js';
import type { Outcome } from './batchTransaction.js';
import { sqliteCode } from './sqliteErrors.js';

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
  readonly duplicates: number;
  /** Appends refused inside a batch (rolled back to their savepoint; their batch committed). */
  readonly rejectedAppends: number;
  /** Batches whose BEGIN or COMMIT failed; every append in them got StoreUnavailableError. */
  readonly failedBatches: number;
  readonly largestBatch: number;
}

/** A caller waiting for its append. */
export interface Waiter {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface BatchSettlerOptions {
  /** Runs after each successful COMMIT, before callers are answered. */
  readonly afterCommit: () => void;
  readonly onCommit?: (info: CommitInfo) => void;
  readonly logger?: Logger;
}

export interface BatchSettler {
  /** `waiters[i]` gets `outcomes[i]`. */
  committed(waiters: readonly Waiter[], outcomes: readonly Outcome[], durationMs: number): void;
  /** Every waiter gets `error`; `cause` is what failed the batch (for the log). */
  failed(waiters: readonly Waiter[], error: StoreUnavailableError, cause: unknown): void;
  stats(): GroupCommitStats;
}

export function createBatchSettler(options: BatchSettlerOptions): BatchSettler {
  const { logger } = options;
  const counters = {
    commits: 0,
    appends: 0,
    eventsWritten: 0,
    duplicates: 0,
    rejectedAppends: 0,
    failedBatches: 0,
    largestBatch: 0,
  };

  function record(outcomes: readonly Outcome[], durationMs: number): CommitInfo {
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
    counters.largestBatch = Math.max(counters.largestBatch, outcomes.length);
    return { appends: outcomes.length, events, durationMs };
  }

  return {
    committed(waiters, outcomes, durationMs) {
      options.afterCommit();
      const info = record(outcomes, durationMs);
      try {
        options.onCommit?.(info);
      } catch (error) {
        logger?.warn({ err: error }, 'onCommit callback threw; ignored');
      }
      waiters.forEach((waiter, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) waiter.resolve(outcome.result);
        else waiter.reject(outcome.error);
      });
    },
    failed(waiters, error, cause) {
      counters.failedBatches += 1;
      logger?.error(
        { code: sqliteCode(cause), appends: waiters.length },
        'event store batch failed; no append of the batch was written',
      );
      for (const waiter of waiters) waiter.reject(error);
    },
    stats: () => ({ ...counters }),
  };
}
