/**
 * The event store port over a KurrentDB (EventStoreDB) node or cluster, through the official
 * `@kurrent/kurrentdb-client`. Only `src/store/` imports the client; everything the client throws
 * is translated into the port's errors here and in `kurrentdb/`.
 *
 * Appends are idempotent by event id however late a redelivery comes (see
 * `kurrentdb/idempotentAppend.ts` and docs/kurrentdb.md); reads go through the client's Rust
 * bridge, appends and subscriptions through its gRPC channel.
 */
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { Logger } from '../lib/logger.js';
import { prepareAppend } from './rules.js';
import { checkMaxCount } from './rules.js';
import type { EventStore, SubscriptionBatch } from './eventStore.js';
import { EventStoreError, StoreUnavailableError } from './eventStore.js';
import { nodePreferenceOf, withLeaderPreference } from './kurrentdb/connectionString.js';
import { translateError } from './kurrentdb/kurrentErrors.js';
import { idempotentAppend, type AppendContext } from './kurrentdb/idempotentAppend.js';
import { headPosition, probeLeader, readAll, readStream } from './kurrentdb/reads.js';
import { createStreamIndexCache } from './kurrentdb/streamIndexCache.js';
import { createStreamLocks } from './kurrentdb/streamLocks.js';
import type { ResubscribeBackoff } from './kurrentdb/subscribe.js';
import { subscribeAll } from './kurrentdb/subscribe.js';

export interface KurrentDbEventStoreOptions {
  /**
   * `kurrentdb://host:2113?tls=false`, `kurrentdb://user:pass@n1:2113,n2:2113,n3:2113?tlsCaFile=…`,
   * `kurrentdb+discover://cluster.dns:2113`, or the deprecated `esdb://` forms.
   */
  readonly connectionString: string;
  readonly logger?: Logger;
  /** Read-check-append rounds an append makes while other writers race it. @defaultValue 5 */
  readonly maxAppendAttempts?: number;
  /**
   * Event ids remembered across appends (per stream, least recently used streams dropped
   * first), so an append reads only its stream's tail. 0 reads whole streams. @defaultValue 100000
   */
  readonly knownIdsCacheSize?: number;
  /** How long {@link EventStore.checkWritable} waits for the leader. @defaultValue 5000 */
  readonly checkWritableTimeoutMs?: number;
  /** Delay between resubscribe attempts after a dropped subscription (doubling). */
  readonly resubscribeBackoff?: ResubscribeBackoff;
}

/**
 * Opens the adapter: one client (and so one connection) for the store's lifetime, disposed by
 * `close()`. Nothing is contacted until the first call. Throws {@link StoreUnavailableError} for
 * a connection string the client refuses (e.g. a missing `tlsCaFile`).
 */
export function openKurrentDbEventStore(options: KurrentDbEventStoreOptions): EventStore {
  const { logger } = options;
  const checkTimeoutMs = options.checkWritableTimeoutMs ?? 5000;
  const preference = nodePreferenceOf(options.connectionString);
  if (preference !== undefined && preference !== 'leader') {
    logger?.warn(
      { nodePreference: preference },
      'KurrentDB appends read their stream on the leader; with another node preference they may fail until the client has moved to the leader',
    );
  }
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(withLeaderPreference(options.connectionString));
  } catch (error) {
    // The client's message may quote the connection string, credentials included.
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(
      `cannot use the KurrentDB connection string: ${reason.split(options.connectionString).join('<connection string>')}`,
    );
  }
  const locks = createStreamLocks();
  const appendContext: AppendContext = {
    client,
    known: createStreamIndexCache(options.knownIdsCacheSize ?? 100_000),
    maxAttempts: Math.max(1, options.maxAppendAttempts ?? 5),
  };
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing.signal.aborted) throw new StoreUnavailableError('event store closed');
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  }

  async function* subscribe(
    subscription: Parameters<EventStore['subscribe']>[0],
  ): AsyncGenerator<SubscriptionBatch, void, undefined> {
    assertOpen();
    const batchSize = checkMaxCount(subscription.batchSize, 1000);
    if (batchSize === 0) throw new EventStoreError('batchSize must be at least 1');
    yield* subscribeAll(
      { client, closed: closing.signal, backoff: options.resubscribeBackoff, logger },
      { ...subscription, batchSize },
    );
    if (closing.signal.aborted && !subscription.signal.aborted) {
      throw new StoreUnavailableError('event store closed');
    }
  }

  return {
    async appendToStream(streamName, events, appendOptions) {
      assertOpen();
      const expected = appendOptions?.expected ?? 'any';
      const prepared = prepareAppend(streamName, events, expected);
      return track(
        locks.run(streamName, () =>
          idempotentAppend(appendContext, streamName, prepared, expected),
        ),
      );
    },
    async readStream(streamName, readOptions = {}) {
      assertOpen();
      const maxCount = checkMaxCount(readOptions.maxCount, Number.MAX_SAFE_INTEGER);
      return readStream(client, streamName, { ...readOptions, maxCount });
    },
    async readAll(readOptions = {}) {
      assertOpen();
      return readAll(client, {
        ...readOptions,
        maxCount: checkMaxCount(readOptions.maxCount, 1000),
      });
    },
    subscribe,
    async headPosition() {
      assertOpen();
      return headPosition(client);
    },
    async checkWritable() {
      assertOpen();
      await withTimeout(probeLeader(client), checkTimeoutMs);
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        await Promise.allSettled([...inFlight]);
        try {
          await client.dispose();
        } catch (error) {
          logger?.warn(
            { err: translateError(error, 'dispose') },
            'closing the KurrentDB client failed',
          );
        }
        logger?.info('KurrentDB event store closed');
      })();
      return closed;
    },
  };
}

/** Bounds a check whose client call has no deadline of its own (the read bridge takes none). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(`KurrentDB did not answer within ${ms} ms`)),
      ms,
    );
  });
  promise.catch(() => undefined); // a late failure after the timeout is not worth a crash
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
