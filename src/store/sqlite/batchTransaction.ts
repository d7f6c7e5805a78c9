/**
 * One group-commit transaction, the same in the main thread and in the writer thread:
 * `BEGIN IMMEDIATE`, each append in its own savepoint, one `COMMIT` (one WAL fsync).
 */
import type { AppendResult, EventStoreError } from '../eventStore.js';
import type { AppendRequest } from './applyAppend.js';
import { toPortError } from './sqliteErrors.js';
import type { Statements } from './statements.js';

/** What became of one append of a committed batch. */
export type Outcome =
  | { readonly ok: true; readonly result: AppendResult; readonly written: number }
  | { readonly ok: false; readonly error: EventStoreError };

export interface BatchEntry {
  readonly request: AppendRequest;
  /** The store's clock when the append was taken into a batch (`recordedAt` of its events). */
  readonly recordedAt: string;
}

export interface BatchDeps {
  readonly statements: Pick<
    Statements,
    'begin' | 'commit' | 'rollback' | 'savepoint' | 'releaseSavepoint' | 'rollbackToSavepoint'
  >;
  readonly isInTransaction: () => boolean;
  readonly apply: (request: AppendRequest, recordedAt: string) => AppendResult;
  /** A ROLLBACK after a failed batch failed too; only worth a log line. */
  readonly onRollbackFailure?: (error: unknown) => void;
}

export interface CommittedBatch {
  /** One per entry, in order. */
  readonly outcomes: Outcome[];
  /** BEGIN to COMMIT, fsync included. */
  readonly durationMs: number;
}

/**
 * Writes `entries` in one transaction and returns once COMMIT has returned. Throws, after
 * rolling back, when the batch fails as a whole (BEGIN or COMMIT failed, or SQLite abandoned
 * the transaction); then none of its appends was written.
 */
export function writeBatch(deps: BatchDeps, entries: readonly BatchEntry[]): CommittedBatch {
  const { statements } = deps;
  const started = performance.now();
  const outcomes: Outcome[] = [];
  try {
    statements.begin();
    for (const entry of entries) outcomes.push(applyInSavepoint(deps, entry));
    statements.commit();
  } catch (error) {
    try {
      if (deps.isInTransaction()) statements.rollback();
    } catch (rollbackError) {
      deps.onRollbackFailure?.(rollbackError);
    }
    throw error;
  }
  return { outcomes, durationMs: performance.now() - started };
}

/** Rejections roll back to the savepoint and leave no trace; others in the batch go on. */
function applyInSavepoint(deps: BatchDeps, entry: BatchEntry): Outcome {
  const { statements } = deps;
  statements.savepoint();
  try {
    const result = deps.apply(entry.request, entry.recordedAt);
    statements.releaseSavepoint();
    return { ok: true, result, written: result.duplicate ? 0 : entry.request.events.length };
  } catch (error) {
    // After IOERR, FULL and the like SQLite may have rolled back the whole transaction;
    // then nothing in the batch can commit, and the batch fails as a whole.
    if (!deps.isInTransaction()) throw error;
    statements.rollbackToSavepoint();
    statements.releaseSavepoint();
    return { ok: false, error: toPortError(error, 'append') };
  }
}
