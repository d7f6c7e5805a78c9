/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, written through
 * group commit and read with prepared statements on the main thread's connection. By default the
 * writes run in a writer thread with a connection of its own (`sqlite/workerWriter.ts`), so the
 * COMMIT's fsync never blocks the event loop; `writer: 'inline'` keeps them on the main
 * connection (see `sqlite/writer.ts`).
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
import { checkMaxCount, prepareAppend } from './rules.js';
import { createChangeFeed } from './embedded/changeFeed.js';
import { followLog, type LogSource } from './embedded/followLog.js';
import { promised } from './embedded/promised.js';
import { formatSequencePosition, parseSequencePosition } from './embedded/sequencePosition.js';
import type { CommitInfo, GroupCommitStats } from './sqlite/batchSettler.js';
import { translated } from './sqlite/sqliteErrors.js';
import { watchExternalCommits } from './sqlite/externalCommits.js';
import { findInconsistencies } from './sqlite/consistency.js';
import { openDatabase, openReadOnlyDatabase } from './sqlite/schema.js';
import { prepareStatements } from './sqlite/statements.js';
import { createWorkerWriter } from './sqlite/workerWriter.js';
import { createInlineWriter, type Writer, type WriterMode } from './sqlite/writer.js';

export type { CommitInfo, GroupCommitStats, WriterMode };

export interface SqliteEventStoreOptions {
  /** Database file; its directory is created if absent. `:memory:` for a throwaway store. */
  readonly path: string;
  readonly logger?: Logger;
  /** Most appends one transaction takes. @defaultValue 500 */
  readonly maxBatchSize?: number;
  /**
   * How long a write waits for another process's write lock before failing with
   * StoreUnavailableError (with `writer: 'inline'` it blocks the event loop meanwhile).
   * @defaultValue 5000
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
  /**
   * Where group commit runs: `worker` (a writer thread; the faster) or `inline` (the main
   * thread). A `:memory:` database is private to its connection, so it is always inline.
   * @defaultValue 'worker'
   */
  readonly writer?: WriterMode;
  /**
   * Opens an existing store for reading only (read-only commands): no file or directory is
   * created, nothing migrated, no writer thread; appends fail with StoreUnavailableError.
   */
  readonly readOnly?: boolean;
  /**
   * BENCHMARK ONLY (bench/ingress.ts measures what the hash chain costs): `false` stores events
   * without links, so the store no longer verifies. Never set it in the service.
   * @defaultValue true
   */
  readonly chain?: boolean;
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
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const readOnly = options.readOnly === true;
  const db = readOnly
    ? openReadOnlyDatabase(path, busyTimeoutMs)
    : openDatabase({ path, busyTimeoutMs, logger });
  const statements = prepareStatements(db);
  const changes = createChangeFeed();
  const externalCommits = watchExternalCommits({
    path,
    dataVersion: () => statements.dataVersion(),
    onExternalCommit: () => changes.notify(),
    intervalMs: options.externalCheckIntervalMs ?? 2000,
    logger,
  });
  const batching = {
    maxBatchSize: options.maxBatchSize ?? 500,
    clock: options.clock ?? (() => new Date()),
    onCommit: options.onCommit,
    chain: options.chain ?? true,
    logger,
  };
  const writer: Writer = readOnly
    ? readOnlyWriter(path)
    : (options.writer ?? 'worker') === 'worker' && path !== ':memory:'
      ? createWorkerWriter({
          ...batching,
          path,
          busyTimeoutMs,
          afterCommit: () => {
            externalCommits.ownCommit();
            changes.notify();
          },
        })
      : createInlineWriter({ ...batching, db, statements, afterCommit: () => changes.notify() });
  /** False from the start of close(): later appends are refused. */
  let accepting = true;
  /** True once close() has drained the writer: reads are refused too. */
  let closed = false;
  let closing: Promise<void> | undefined;

  function open<T>(operation: string, run: () => T): T {
    if (closed) throw new StoreUnavailableError('event store closed');
    return translated(operation, run);
  }

  const head = (): string | undefined => {
    const sequence = open('read', () => statements.headSequence());
    return sequence === undefined ? undefined : formatSequencePosition(sequence);
  };
  const readPage = (
    after: string | undefined,
    maxCount: number,
    sharedData = false,
  ): RecordedEvent[] => {
    const afterSequence = parseSequencePosition(after);
    return open('read', () => statements.readAll(afterSequence, maxCount, sharedData));
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

  async function close(): Promise<void> {
    accepting = false;
    try {
      await writer.close();
    } finally {
      closed = true;
      externalCommits.close();
      changes.close();
      db.close();
      logger?.info(writer.stats(), 'event store closed');
    }
  }

  return {
    appendToStream(streamName, events, appendOptions) {
      return new Promise<AppendResult>((resolve) => {
        if (!accepting) throw new StoreUnavailableError('event store closed');
        const expected = appendOptions?.expected ?? 'any';
        const prepared = prepareAppend(streamName, events, expected);
        resolve(writer.append({ streamName, events: prepared, expected }));
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
      promised(() =>
        readPage(
          readOptions.after,
          checkMaxCount(readOptions.maxCount, 1000),
          readOptions.sharedData === true,
        ),
      ),
    subscribe,
    headPosition: () => promised(head),
    checkWritable: () =>
      accepting
        ? writer.checkWritable()
        : Promise.reject(new StoreUnavailableError('event store closed')),
    close: () => (closing ??= close()),
    stats: () => writer.stats(),
    checkConsistency: () => promised(() => open('read', () => findInconsistencies(db))),
  };
}

function readOnlyWriter(path: string): Writer {
  const refuse = () =>
    Promise.reject(new StoreUnavailableError(`the event store at ${path} is open read-only`));
  return {
    append: refuse,
    checkWritable: refuse,
    close: () => Promise.resolve(),
    stats: () => ({
      commits: 0,
      appends: 0,
      eventsWritten: 0,
      duplicates: 0,
      rejectedAppends: 0,
      failedBatches: 0,
      largestBatch: 0,
    }),
  };
}
