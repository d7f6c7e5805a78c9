/**
 * The projection runner of the service: follows the event log with `store.subscribe` and
 * applies each batch to every live projection in one transaction (each with its own checkpoint
 * written with its changes: exactly-once effect). Projections whose version changed, and
 * interrupted rebuilds, are built in the background meanwhile (rebuildProjections.ts) and switched in.
 * Poison events stop their projection (or are skipped) and are recorded; the other
 * projections go on. Storage errors are retried from the checkpoints after a pause.
 */
import type { Registry } from 'prom-client';
import { createRegistry, registry } from '../../projections/index.js';
import type { Projection } from '../../projections/projection.js';
import type { EventStoreLocation, LogLevel } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { findByState, listGenerations, prepareGenerations } from '../readmodel/generations.js';
import { createProjectionMetrics, type ProjectionMetrics } from './projectorMetrics.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import { buildGenerations, minimum } from './rebuildProjections.js';
import { defaultRebuildThreads, rebuildInThreads } from './rebuildThreads.js';
import { readStatus, type ProjectionsStatus } from './status.js';
import { applyBatch } from './batch.js';
import { createErasureWal } from './erasureWal.js';
import { createTarget, type OnError, type PoisonRecord, type Target } from './target.js';

export interface StartProjectionsOptions {
  readonly store: EventStore;
  readonly db: ReadModelDb;
  readonly projections: readonly Projection[];
  readonly logger: Logger;
  /** prom-client registry for the projection metrics; none = no metrics. */
  readonly registry?: Registry;
  /** PROJECTION_ON_ERROR. @defaultValue 'stop' */
  readonly onError?: OnError;
  /** PROJECTION_BATCH_SIZE: most events per live batch. @defaultValue 1000 */
  readonly batchSize?: number;
  /** Stops the runner; `done` resolves once it has. */
  readonly signal: AbortSignal;
  /** Events per batch of background rebuilds. @defaultValue 5000 */
  readonly rebuildBatchSize?: number;
  /** Documents cached per projection. @defaultValue 5000 */
  readonly cacheSize?: number;
  readonly clock?: () => Date;
  /** How often to look for generations switched by another process. @defaultValue 1000 */
  readonly watchIntervalMs?: number;
  /** Pause before retrying after a storage error. @defaultValue 1000 */
  readonly retryDelayMs?: number;
  /**
   * Where worker threads open the store and the read model (the service's settings): background
   * builds then run there (rebuildThreads.ts) instead of between this thread's requests, which
   * a build of a large log would otherwise hold up for a page at a time. Only registered
   * projections can go to a thread; others are built here.
   */
  readonly rebuildThreads?: {
    readonly eventStore: EventStoreLocation;
    readonly readModelPath: string;
    readonly logLevel: LogLevel;
  };
}

export interface ProjectionRunner {
  status(): ProjectionsStatus;
  /** Resolves once `predicate(status())` holds (checked after every batch), or the signal aborts. */
  waitFor(predicate: (status: ProjectionsStatus) => boolean, signal?: AbortSignal): Promise<void>;
  /** Re-reads the generations (e.g. after a rebuild in another process) and resubscribes. */
  refresh(): void;
  /** Resolves when the runner has stopped after its signal aborted. */
  readonly done: Promise<void>;
}

interface Live {
  target: Target;
  caughtUp: boolean;
}

export function startProjections(options: StartProjectionsOptions): ProjectionRunner {
  const { store, db, projections, logger, signal } = options;
  createRegistry(projections);
  const clock = options.clock ?? (() => new Date());
  const onError = options.onError ?? 'stop';
  const cacheSize = options.cacheSize ?? 5_000;
  const prepared = prepareGenerations(db, projections, clock().toISOString());
  const live = new Map<string, Live>();
  const waiters = new Set<() => void>();
  let refreshing = new AbortController();
  let newestSeen: Date | undefined;
  let metrics: ProjectionMetrics | undefined;

  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const refresh = (): void => {
    refreshing.abort();
    notify();
  };

  function syncLiveTargets(): void {
    for (const projection of projections) {
      const generation = findByState(db, projection.name, 'live');
      const current = live.get(projection.name);
      if (generation === undefined || generation.version !== projection.version) {
        live.delete(projection.name);
      } else if (current?.target.generation !== generation.generation) {
        const target = createTarget(db, projection, generation, cacheSize);
        live.set(projection.name, { target, caughtUp: false });
      }
    }
  }

  function apply(
    active: readonly Live[],
    events: readonly RecordedEvent[],
    after: string | undefined,
  ) {
    const started = performance.now();
    const outcomes = applyBatch(
      db,
      active.map((entry) => entry.target),
      events,
      { after, onError, now: clock().toISOString() },
    );
    metrics?.observeBatch((performance.now() - started) / 1000, events.length);
    let resync = false;
    outcomes.forEach((outcome, index) => {
      const entry = active[index]!;
      metrics?.applied(entry.target.projection.name, outcome.applied);
      if (outcome.poison !== undefined) reportPoison(logger, outcome.poison);
      if (outcome.kind !== 'applied' || outcome.poison?.action === 'stopped') resync = true;
    });
    return resync;
  }

  // A rebuild's long write transactions would hold the truncation (and this thread) up.
  const erasures = createErasureWal(db, logger, () =>
    status().projections.some((p) => p.rebuilding !== null),
  );

  async function liveLoop(): Promise<void> {
    while (!signal.aborted) {
      if (refreshing.signal.aborted) refreshing = new AbortController();
      syncLiveTargets();
      const active = [...live.values()].filter((entry) => entry.target.poisoned === undefined);
      const inner = AbortSignal.any([signal, refreshing.signal]);
      if (active.length === 0) {
        await sleep(2 ** 31 - 1, inner);
        continue;
      }
      let after = minimum(active.map((entry) => entry.target.checkpoint));
      try {
        for await (const batch of store.subscribe({
          after,
          signal: inner,
          batchSize: options.batchSize ?? 1000,
        })) {
          const last = batch.events.at(-1);
          const resync = last !== undefined && apply(active, batch.events, after);
          erasures.applied(batch.events);
          if (last !== undefined) {
            after = last.position;
            newestSeen = last.recordedAt;
          }
          for (const entry of active) {
            entry.caughtUp = batch.caughtUp && entry.target.poisoned === undefined && !resync;
          }
          notify();
          if (resync) break;
          if (batch.caughtUp) erasures.caughtUp();
        }
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ err: error }, 'projection batch failed; retrying from the checkpoints');
        for (const entry of active) entry.caughtUp = false;
        notify();
        await sleep(options.retryDelayMs ?? 1000, signal);
      }
    }
  }

  async function buildInBackground(): Promise<void> {
    if (prepared.building.length === 0) return;
    const byName = new Map(projections.map((projection) => [projection.name, projection]));
    const building = prepared.building.map((generation) => byName.get(generation.projection)!);
    const threads = options.rebuildThreads;
    const result =
      threads !== undefined && building.every((p) => registry.get(p.name) === p)
        ? await rebuildInThreads({
            ...threads,
            // The threads resume the building generations prepared above.
            projections: building.map((p) => p.name),
            threads: defaultRebuildThreads(),
            // No eventsToRead: the threads keep Node's young generation. The larger one of the
            // rebuild command (rebuildThreads.ts) made this process's event loop late by p99
            // 4.6-8.6 ms instead of 3.6-3.9 while building (bench:background-rebuild): the
            // threads' longer parallel scavenges share V8's platform threads with it.
            batchSize: options.rebuildBatchSize,
            onError,
            signal,
          }).finally(refresh)
        : await buildGenerations(building, prepared.building, {
            store,
            db,
            logger,
            batchSize: options.rebuildBatchSize,
            onError,
            signal,
            cacheSize,
            clock,
            onSwitched: refresh,
          });
    for (const build of result.results) {
      if (build.outcome === 'aborted' && signal.aborted) {
        logger.info(
          { build },
          'background rebuild stopped with the service; the next start resumes it',
        );
      } else if (build.outcome !== 'switched') {
        logger.warn({ build }, 'background rebuild did not switch');
      }
    }
    notify();
  }

  function status(): ProjectionsStatus {
    return readStatus(
      db,
      projections,
      (name) => {
        const entry = live.get(name);
        return entry && { target: entry.target, caughtUp: entry.caughtUp };
      },
      newestSeen,
    );
  }

  if (options.registry) metrics = createProjectionMetrics(options.registry, status);

  let signature = generationSignature(db);
  const watcher = setInterval(() => {
    const next = generationSignature(db);
    if (next !== signature) {
      signature = next;
      refresh();
    }
  }, options.watchIntervalMs ?? 1000);
  watcher.unref();
  signal.addEventListener('abort', () => {
    clearInterval(watcher);
    notify();
  });

  const done = Promise.all([
    liveLoop(),
    buildInBackground().catch((error: unknown) =>
      logger.error({ err: error }, 'background rebuild failed'),
    ),
  ]).then(() => {
    clearInterval(watcher);
    notify();
  });

  return {
    status,
    refresh,
    done,
    waitFor(predicate, waitSignal) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (signal.aborted || waitSignal?.aborted || predicate(status())) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function generationSignature(db: ReadModelDb): string {
  return listGenerations(db)
    .map((g) => `${g.projection}:${g.generation}:${g.state}`)
    .join(',');
}

function reportPoison(logger: Logger, poison: PoisonRecord): void {
  const message =
    poison.action === 'stopped'
      ? 'projection stopped at an event it cannot apply (fix and restart; PROJECTION_ON_ERROR=skip skips such events)'
      : 'projection skipped an event it cannot apply';
  logger.error({ poison }, message);
}
