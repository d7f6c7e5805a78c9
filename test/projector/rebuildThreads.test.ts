import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import {
  LARGE_REBUILD_EVENTS,
  REBUILD_YOUNG_GENERATION_MB,
  rebuildInThreads,
  rebuildYoungGenerationMb,
  shareOut,
} from '../../src/projector/rebuildThreads.js';
import { getCustomer } from '../../src/readmodel/queries.js';
import { openKurrentDbEventStore } from '../../src/store/kurrentDbEventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { startKurrentGrpcDouble } from '../helpers/kurrentGrpcDouble/index.js';
import { startLiveTraffic } from '../helpers/liveTraffic.js';
import { appendJourney, appendWebhook, fixture } from '../helpers/projectionEvents.js';
import { createHarness, dumpReadModel, reached, silent } from '../helpers/projectionHarness.js';

const names = projections.map((p) => p.name);

/** A log of `customers` journeys (webhooks, details, alerts) in a real SQLite store. */
async function logOf(t: Test, customers: number) {
  const dir = t.testdir();
  const storePath = join(dir, 'events.db');
  const store = openSqliteEventStore({ path: storePath });
  for (let n = 0; n < customers; n++) await appendJourney(store, n);
  // A deletion, so the retention projection has a row too.
  await appendWebhook(store, fixture('customer.deleted', { customerId: 'cust-0' }), 'deleted-0');
  const head = await store.headPosition();
  const events = (await store.readAll({ maxCount: 100_000 })).length;
  await store.close();
  return { dir, storePath, head, events };
}

function dump(path: string) {
  const db = openReadModel(path);
  try {
    return dumpReadModel(db, projections);
  } finally {
    db.close();
  }
}

void t.test('projections are dealt out round-robin over at most the given threads', async (t) => {
  t.same(shareOut(['a', 'b', 'c', 'd'], 2), [
    ['a', 'c'],
    ['b', 'd'],
  ]);
  t.same(shareOut(['a', 'b'], 8), [['a'], ['b']]);
  t.same(shareOut(['a', 'b', 'c'], 0), [['a', 'b', 'c']]);
});

void t.test(
  'a rebuild thread gets the larger young generation unless the log is large',
  async (t) => {
    t.equal(rebuildYoungGenerationMb(0), REBUILD_YOUNG_GENERATION_MB);
    t.equal(rebuildYoungGenerationMb(LARGE_REBUILD_EVENTS), REBUILD_YOUNG_GENERATION_MB);
    t.equal(rebuildYoungGenerationMb(LARGE_REBUILD_EVENTS + 1), undefined, "Node's own above it");
    t.equal(
      rebuildYoungGenerationMb(undefined),
      undefined,
      "Node's own when the length is unknown",
    );
  },
);

void t.test('a rebuild over two threads builds the same read model as one thread', async (t) => {
  const { dir, storePath, events } = await logOf(t, 12);
  const threaded = join(dir, 'threaded.db');
  const updates: number[] = [];
  let finished = 0;
  const result = await rebuildInThreads({
    eventStore: { kind: 'sqlite', path: storePath },
    readModelPath: threaded,
    projections: names,
    threads: 2,
    logLevel: 'silent',
    progress: { update: (done) => updates.push(done), finish: () => finished++ },
  });
  t.same(
    result.results.map((r) => [r.projection, r.outcome]),
    names.map((name) => [name, 'switched']),
    'every projection switched in, reported in registry order',
  );
  t.equal(result.eventsRead, events, 'the events of the log, not the sum of both threads');
  t.equal(updates.at(-1), events, 'progress follows the slower thread to the end of the log');
  t.equal(finished, 1);

  const single = join(dir, 'single.db');
  const store = openSqliteEventStore({ path: storePath });
  const db = openReadModel(single);
  await rebuildProjections(projections, { store, db, logger: silent });
  db.close();
  await store.close();
  const expected = dump(single);
  t.ok(
    Object.values(expected).every((rows) => rows.length > 0),
    'the log fills every table',
  );
  t.same(dump(threaded), expected);
});

void t.test('an aborted threaded rebuild is resumed by the next one', async (t) => {
  const { dir, storePath } = await logOf(t, 4);
  const readModelPath = join(dir, 'readmodel.db');
  const options = {
    eventStore: { kind: 'sqlite', path: storePath } as const,
    readModelPath,
    projections: names,
    threads: 2,
    logLevel: 'silent' as const,
  };
  const stop = new AbortController();
  stop.abort();
  const aborted = await rebuildInThreads({ ...options, signal: stop.signal });
  t.same(
    aborted.results.map((r) => r.outcome),
    names.map(() => 'aborted'),
  );
  const resumed = await rebuildInThreads(options);
  t.same(
    resumed.results.map((r) => [r.outcome, r.generation]),
    aborted.results.map((r) => ['switched', r.generation]),
    'the generations the aborted rebuild started are the ones switched in',
  );
});

void t.test('a thread that cannot open the read model fails the rebuild, naming why', async (t) => {
  const { dir, storePath } = await logOf(t, 1);
  const notAFile = join(dir, 'a-directory');
  mkdirSync(notAFile);
  await t.rejects(
    rebuildInThreads({
      eventStore: { kind: 'sqlite', path: storePath },
      readModelPath: notAFile,
      projections: names,
      threads: 2,
      logLevel: 'silent',
    }),
    /rebuild thread \(customer-state, alerts, retention\) failed: .+/,
  );
});

void t.test(
  'a threaded rebuild beside a live runner and ongoing appends ends equal to a fresh build',
  async (t) => {
    // Given a service-side runner over a log that keeps growing
    const h = createHarness(t);
    const runner = h.start({ projections, batchSize: 20 });
    for (let n = 0; n < 40; n++) await appendJourney(h.store, n);
    await runner.waitFor(reached(await h.store.headPosition()));
    const before = runner.status().projections.map((p) => p.servingGeneration);

    // When a rebuild over two threads runs while more journeys arrive and queries are asked
    let found = 0;
    const traffic = startLiveTraffic(h.store, { from: 40, to: 100 }, () => {
      if (getCustomer(h.db, 'cust-1') !== undefined) found += 1;
    });
    const { result, asked } = await traffic.during(
      rebuildInThreads({
        eventStore: { kind: 'sqlite', path: h.storePath },
        readModelPath: h.readModelPath,
        projections: names,
        threads: 2,
        batchSize: 25,
        logLevel: 'silent',
      }),
    );

    // Then the runner serves the new generations, caught up, equal to a fresh build
    t.same(
      result.results.map((r) => r.outcome),
      names.map(() => 'switched'),
    );
    await runner.waitFor(reached(await h.store.headPosition()));
    t.ok(
      runner
        .status()
        .projections.every((p, i) => p.servingGeneration !== before[i] && p.servingGeneration),
      'new generations serve',
    );
    t.ok(asked > 0, `queries asked during the rebuild (${asked})`);
    t.equal(found, asked, 'and every one found a known customer');
    const fresh = openReadModel(join(h.dir, 'fresh.db'));
    await rebuildProjections(projections, { store: h.store, db: fresh, logger: silent });
    const expected = dumpReadModel(fresh, projections);
    fresh.close();
    t.same(dumpReadModel(h.db, projections), expected);
  },
);

void t.test(
  'a threaded rebuild runs unchanged on KurrentDB (through the gRPC double, a FAKE server)',
  async (t) => {
    const double = await startKurrentGrpcDouble();
    t.teardown(() => double.stop());
    const store = openKurrentDbEventStore({ connectionString: double.connectionString });
    t.teardown(() => store.close());
    for (let n = 0; n < 6; n++) await appendJourney(store, n);
    const dir = t.testdir();

    const result = await rebuildInThreads({
      eventStore: { kind: 'kurrentdb', connectionString: double.connectionString },
      readModelPath: join(dir, 'threaded.db'),
      projections: names,
      threads: 2,
      logLevel: 'silent',
    });
    t.same(
      result.results.map((r) => r.outcome),
      names.map(() => 'switched'),
    );
    const db = openReadModel(join(dir, 'single.db'));
    await rebuildProjections(projections, { store, db, logger: silent });
    const expected = dumpReadModel(db, projections);
    db.close();
    t.ok(expected.customers!.length > 0);
    t.same(dump(join(dir, 'threaded.db')), expected);
  },
);
