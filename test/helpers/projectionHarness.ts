/**
 * A real SQLite event store and read model in a tap testdir, a projection runner over them, and
 * a test projection that counts events per key. Counting is not idempotent, so any event
 * applied twice (or missed) shows in its totals.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Projection } from '../../projections/projection.js';
import { DETAILS_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import {
  startProjections,
  type ProjectionRunner,
  type StartProjectionsOptions,
} from '../../src/projector/runner.js';
import type { ProjectionsStatus } from '../../src/projector/status.js';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/store/sqliteEventStore.js';

export const silent = createLogger('silent');

export interface Harness {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly db: ReadModelDb;
  readonly storePath: string;
  readonly readModelPath: string;
  /** Starts a runner; stopped (and awaited) at teardown or by the returned stop(). */
  start(
    options: Partial<StartProjectionsOptions> & { projections: readonly Projection[] },
  ): RunningRunner;
}

export interface RunningRunner extends ProjectionRunner {
  stop(): Promise<void>;
}

export function createHarness(t: Test, dir = t.testdir()): Harness {
  const storePath = join(dir, 'events.db');
  const readModelPath = join(dir, 'readmodel.db');
  const store = openSqliteEventStore({ path: storePath, externalCheckIntervalMs: 100 });
  const db = openReadModel(readModelPath);
  const runners: RunningRunner[] = [];
  t.teardown(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    db.close();
    await store.close();
  });
  return {
    dir,
    store,
    db,
    storePath,
    readModelPath,
    start(options) {
      const stop = new AbortController();
      const runner = startProjections({
        store,
        db,
        logger: silent,
        signal: stop.signal,
        watchIntervalMs: 50,
        retryDelayMs: 50,
        ...options,
      });
      const running: RunningRunner = {
        ...runner,
        async stop() {
          stop.abort();
          await runner.done;
        },
      };
      runners.push(running);
      return running;
    },
  };
}

/** Every projection serves its code's version and has applied the log up to `head`. */
export function reached(head: string | undefined) {
  return (status: ProjectionsStatus): boolean =>
    status.projections.every(
      (p) =>
        p.servingVersion === p.version && p.rebuilding === null && p.checkpoint === (head ?? null),
    );
}

export interface CountState {
  readonly key: string;
  readonly count: number;
  readonly positions: readonly string[];
}

/** Counts events per stream: `count` goes up by one per application, duplicates included. */
export function countingProjection(name = 'event-count', version = 1): Projection<CountState> {
  const table = `${name.replace(/-/g, '_')}_rows`;
  return {
    name,
    version,
    handles: [...WEBHOOK_EVENT_TYPES, DETAILS_EVENT_TYPE],
    tables: [
      {
        name: table,
        columns: [
          { name: 'stream', type: 'TEXT', notNull: true },
          { name: 'count', type: 'INTEGER', notNull: true },
          { name: 'positions', type: 'TEXT', notNull: true },
        ],
        primaryKey: ['stream'],
      },
    ],
    keyOf: (event) => event.streamName,
    evolve: (state, event) => ({
      key: event.streamName,
      count: (state?.count ?? 0) + 1,
      positions: [...(state?.positions ?? []), event.position],
    }),
    rows: (key, state) =>
      state === undefined
        ? {}
        : { [table]: [{ stream: key, count: state.count, positions: state.positions.join(',') }] },
  };
}

/** Total of the counting projection's table (through its view). */
export function countedEvents(
  db: ReadModelDb,
  name = 'event-count',
): { total: number; positions: string[] } {
  const rows = db.prepare(`SELECT count, positions FROM ${name.replace(/-/g, '_')}_rows`).all() as {
    count: number;
    positions: string;
  }[];
  return {
    total: rows.reduce((sum, row) => sum + row.count, 0),
    positions: rows.flatMap((row) => row.positions.split(',')).sort(),
  };
}

/** Every row of the given projections' views, ordered by primary key: for comparing read models. */
export function dumpReadModel(
  db: ReadModelDb,
  list: readonly Projection[],
): Record<string, unknown[]> {
  const dump: Record<string, unknown[]> = {};
  for (const projection of list) {
    for (const table of projection.tables) {
      dump[table.name] = db
        .prepare(`SELECT * FROM ${table.name} ORDER BY ${table.primaryKey.join(', ')}`)
        .all();
    }
  }
  return dump;
}
