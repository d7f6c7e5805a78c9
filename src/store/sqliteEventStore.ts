/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, written through
 * group commit (see `sqlite/groupCommit.ts`) and read with prepared statements on the same
 * connection. better-sqlite3 is synchronous, so reads and batches never interleave.
 */
import type { Logger } from '../lib/logger.js';
import {
  StoreUnavailableError,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionBatch,
} from './eventStore.js';
import { prepareAppend } from './embedded/appendRules.js';
import { createChangeFeed } from './embedded/changeFeed.js';
import { followLog, type LogSource } from './embedded/followLog.js';
import { promised } from './embedded/promised.js';
import {
  checkMaxCount,
  formatSequencePosition,
  parseSequencePosition,
} from './embedded/sequencePosition.js';
import { applyAppend } from './sqlite/applyAppend.js';
import { translated } from './sqlite/errors.js';
import { watchExternalCommits } from './sqlite/externalCommits.js';
import { createGroupCommit, type CommitInfo, type GroupCommitStats } from './sqlite/groupCommit.js';
import { openDatabase } from './sqlite/schema.js';
import { prepareStatements } from './sqlite/statements.js';

export type { CommitInfo, GroupCommitStats };

export interface SqliteEventStoreOptions {
  /** Database file; its directory is created if absent. `:memory:` for a throwaway store. */
  readonly path: string;
  readonly logger?: Logger;
  /** Most appends one transaction takes. @defaultValue 500 */
  readonly maxBatchSize?: number;
  /**
   * How long a write waits for another process's write lock before failing with
   * StoreUnavailableError. It blocks the event loop meanwhile. @defaultValue 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * Safety timer for noticing other processes' commits while subscriptions are open
   * (see `sqlite/externalCommits.ts`). @defaultValue 2000
   */
  readonly externalCheckIntervalMs?: number;
  /** The store's clock for `recordedAt`. @defaultValue () => new Date() */
  readonly clock?: () => Date;
  /** Called after every successful COMMIT with the batch's size and duration (for metrics). */
  readonly onCommit?: (info: CommitInfo) => void;
}

export interface SqliteEventStore extends EventStore {
  /** Group-commit counters since open (e.g. commits vs appends shows how well batching works). */
  stats(): GroupCommitStats;
}

/**
 * Opens (creating if needed) the SQLite event store at `options.path`.
 * Throws {@link StoreUnavailableError} when the file cannot be opened or migrated.
 */
export function openSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  const { path, logger } = options;
  const db = openDatabase({ path, busyTimeoutMs: options.busyTimeoutMs ?? 5000, logger });
  const statements = prepareStatements(db);
  const changes = createChangeFeed();
  const groupCommit = createGroupCommit({
    statements,
    isInTransaction: () => db.inTransaction,
    apply: (request, recordedAt) => applyAppend(statements, request, recordedAt),
    maxBatchSize: options.maxBatchSize ?? 500,
    clock: options.clock ?? (() => new Date()),
    afterCommit: () => changes.notify(),
    onCommit: options.onCommit,
    logger,
  });
  const externalCommits = watchExternalCommits({
    path,
    dataVersion: () => statements.dataVersion(),
    onExternalCommit: () => changes.notify(),
    intervalMs: options.externalCheckIntervalMs ?? 2000,
    logger,
  });
  let closed = false;

  function open<T>(operation: string, run: () => T): T {
    if (closed) throw new StoreUnavailableError('event store closed');
    return translated(operation, run);
  }

  const head = (): string | undefined => {
    const sequence = open('read', () => statements.headSequence());
    return sequence === undefined ? undefined : formatSequencePosition(sequence);
  };
  const readPage = (after: string | undefined, maxCount: number): RecordedEvent[] => {
    const afterSequence = parseSequencePosition(after);
    return open('read', () => statements.readAll(afterSequence, maxCount));
  };
  const source: LogSource = { head, readPage, changes, isClosed: () => closed };

  async function* subscribe(
    subscription: SubscribeOptions,
  ): AsyncGenerator<SubscriptionBatch, void, undefined> {
    if (closed) throw new StoreUnavailableError('event store closed');
    externalCommits.retain();
    try {
      yield* followLog(source, subscription);
    } finally {
      if (!closed) externalCommits.release();
    }
  }

  function close(): void {
    if (closed) return;
    groupCommit.drain();
    closed = true;
    externalCommits.close();
    changes.close();
    db.close();
    logger?.info(groupCommit.stats(), 'event store closed');
  }

  return {
    appendToStream(streamName, events, appendOptions) {
      return new Promise<AppendResult>((resolve) => {
        if (closed) throw new StoreUnavailableError('event store closed');
        const expected = appendOptions?.expected ?? 'any';
        const prepared = prepareAppend(streamName, events, expected);
        resolve(groupCommit.enqueue({ streamName, events: prepared, expected }));
      });
    },
    readStream: (streamName, readOptions = {}) =>
      promised(() => {
        const { direction = 'forwards', fromRevision } = readOptions;
        const maxCount = checkMaxCount(readOptions.maxCount, Number.MAX_SAFE_INTEGER);
        return open('read', () =>
          statements.readStream(streamName, direction, fromRevision, maxCount),
        );
      }),
    readAll: (readOptions = {}) =>
      promised(() => readPage(readOptions.after, checkMaxCount(readOptions.maxCount, 1000))),
    subscribe,
    headPosition: () => promised(head),
    // Taking the write lock proves the file is writable and no other process is wedged on it.
    checkWritable: () =>
      promised(() =>
        open('writability check', () => {
          statements.begin();
          statements.rollback();
        }),
      ),
    close: () => promised(close),
    stats: () => groupCommit.stats(),
  };
}
