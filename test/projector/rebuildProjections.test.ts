import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { dropGeneration, findByState } from '../../src/readmodel/generations.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { getCustomer, getKycHistory, listCustomers } from '../../src/readmodel/queries.js';
import {
  countedEvents,
  countingProjection,
  createHarness,
  dumpReadModel,
  type Harness,
  reached,
  silent,
} from '../helpers/projectionHarness.js';
import { startLiveTraffic } from '../helpers/liveTraffic.js';
import { appendJourney } from '../helpers/projectionEvents.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { customerStream } from '../../src/events/streams.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';

const all = [...projections, countingProjection()];
const root = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('../helpers/rebuildChild.ts', import.meta.url));

/** A read model built from scratch over the same log: what any rebuild must equal. */
async function reference(store: EventStore, dir: string) {
  const db = openReadModel(join(dir, 'reference.db'));
  const result = await rebuildProjections(all, { store, db, logger: silent, batchSize: 1000 });
  const dump = dumpReadModel(db, all);
  db.close();
  return { dump, eventsRead: result.eventsRead };
}

async function eventCount(store: EventStore): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return count;
    count += page.length;
    after = page.at(-1)!.position;
  }
}

/**
 * Runs the rebuild child (test/helpers/rebuildChild.ts: batch size, pages before it says
 * "paused") over the harness's files and SIGKILLs it at the first line `killAt` accepts.
 */
async function killChildRebuild(
  t: Test,
  h: Harness,
  args: readonly [batchSize: string, pauseAfter: string],
  killAt: (line: string) => boolean,
): Promise<void> {
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', child, h.storePath, h.readModelPath, ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => worker.on('close', () => resolve()));
  t.teardown(() => void worker.kill('SIGKILL'));
  await new Promise<void>((resolve) => {
    createInterface({ input: worker.stdout }).on('line', (line) => {
      if (killAt(line)) resolve();
    });
  });
  worker.kill('SIGKILL');
  await exited;
}

void t.test(
  'a rebuild while appends go on misses nothing, applies nothing twice and keeps answering',
  async (t) => {
    // Given a live runner over a log that keeps growing
    const h = createHarness(t);
    const runner = h.start({ projections: all, batchSize: 20 });
    for (let n = 0; n < 60; n++) await appendJourney(h.store, n);
    await runner.waitFor(reached(await h.store.headPosition()));
    const before = runner.status().projections.map((p) => p.servingGeneration);

    // When a rebuild of everything runs while more journeys arrive and queries are asked
    const wrong: string[] = [];
    const traffic = startLiveTraffic(h.store, { from: 60, to: 140 }, () => {
      if (getCustomer(h.db, 'cust-1') === undefined) wrong.push('a known customer was not found');
      if (listCustomers(h.db, { limit: 500 }).items.length < 60) wrong.push('the list shrank');
      if (getKycHistory(h.db, 'cust-2').length === 0) wrong.push('a history was empty');
    });
    const { result, asked: answered } = await traffic.during(
      rebuildProjections(all, { store: h.store, db: h.db, logger: silent, batchSize: 25 }),
    );

    // Then every projection switched to a new generation and caught up with every event once
    t.same(
      result.results.map((r) => r.outcome),
      all.map(() => 'switched'),
    );
    await runner.waitFor(reached(await h.store.headPosition()));
    const after = runner.status().projections.map((p) => p.servingGeneration);
    t.ok(
      after.every((g, i) => g !== before[i]),
      'new generations serve',
    );
    t.ok(answered > 0, `queries answered during the rebuild (${answered})`);
    t.same(wrong, [], 'and every answer was complete');
    const total = await eventCount(h.store);
    const counted = countedEvents(h.db);
    t.equal(counted.total, total, 'every event counted once');
    t.equal(new Set(counted.positions).size, total, 'no event counted twice');
    t.same(
      dumpReadModel(h.db, all),
      (await reference(h.store, h.dir)).dump,
      'equal to a fresh build',
    );
  },
);

void t.test('a rebuild process killed mid-way is finished by the next rebuild', async (t) => {
  const h = createHarness(t);
  for (let n = 0; n < 80; n++) await appendJourney(h.store, n);
  const expected = await reference(h.store, h.dir);

  // A child rebuilds with small batches and is killed after a few committed batches
  await killChildRebuild(t, h, ['20', '5'], (line) => line === 'paused');
  const interrupted = findByState(h.db, 'customer-state', 'building');
  t.ok(interrupted?.checkpoint, 'the killed rebuild left a building generation with a checkpoint');
  t.equal(findByState(h.db, 'customer-state', 'live'), undefined, 'nothing was switched in');

  // The next rebuild resumes it and finishes with the same result as a clean one
  const result = await rebuildProjections(all, {
    store: h.store,
    db: h.db,
    logger: silent,
    batchSize: 20,
  });
  t.same(
    result.results.map((r) => r.outcome),
    all.map(() => 'switched'),
  );
  t.equal(
    result.results[0]!.generation,
    interrupted!.generation,
    'the same generation was resumed',
  );
  t.ok(result.eventsRead < expected.eventsRead, 'it did not start over');
  t.same(dumpReadModel(h.db, all), expected.dump);
  t.equal(
    countedEvents(h.db).total,
    expected.eventsRead,
    'no event applied twice across the crash',
  );
});

void t.test(
  'a rebuild killed at any moment leaves a read model the service can finish',
  async (t) => {
    const h = createHarness(t);
    for (let n = 0; n < 80; n++) await appendJourney(h.store, n);
    const expected = await reference(h.store, h.dir);
    // Killed as soon as it has read its first page: mid-batch, possibly mid-transaction.
    await killChildRebuild(
      t,
      h,
      ['7', '0'],
      (line) => line.startsWith('page ') || line.startsWith('done'),
    );
    // The service start resumes whatever was left and serves the result.
    const runner = h.start({ projections: all });
    await runner.waitFor(reached(await h.store.headPosition()));
    t.same(dumpReadModel(h.db, all), expected.dump);
  },
);

void t.test(
  'a projection with many small documents flushes alone; the others keep theirs staged',
  async (t) => {
    // Given journeys that give kyc-history about four documents per customer-state document
    const h = createHarness(t);
    for (let n = 0; n < 12; n++) await appendJourney(h.store, n);

    // When everything is rebuilt with room for 8 staged documents per projection
    const seen: { kyc: string | null; customers: string | null }[] = [];
    const checkpoint = (name: string) => findByState(h.db, name, 'building')?.checkpoint ?? null;
    const result = await rebuildProjections(all, {
      store: h.store,
      db: h.db,
      logger: silent,
      batchSize: 5,
      maxDirtyDocuments: 8,
      flushEveryEvents: 1_000_000,
      progress: {
        update() {
          seen.push({ kyc: checkpoint('kyc-history'), customers: checkpoint('customer-state') });
        },
        finish() {},
      },
    });

    // Then kyc-history committed batches while customer-state still had its documents staged
    t.ok(
      seen.some((s) => s.kyc !== null && s.customers === null),
      'kyc-history flushed before customer-state did',
    );
    // And the result is the same as any rebuild
    t.same(
      result.results.map((r) => r.outcome),
      all.map(() => 'switched'),
    );
    t.same(
      dumpReadModel(h.db, all),
      (await reference(h.store, h.dir)).dump,
      'equal to a fresh build',
    );
  },
);

void t.test(
  'a rebuild over a tiny memory budget spills its documents and ends with the same rows',
  async (t) => {
    // Given a log of 60 customer journeys
    const h = createHarness(t);
    for (let n = 0; n < 60; n++) await appendJourney(h.store, n);
    const expected = await reference(h.store, h.dir);

    // When it is rebuilt with room for almost nothing in memory, in pages of 20 events
    const result = await rebuildProjections(all, {
      store: h.store,
      db: h.db,
      logger: silent,
      batchSize: 20,
      memoryBudgetMb: 0.01,
    });

    // Then it wrote its documents out early, more than once, and read them back as needed
    t.ok(result.spills > 1, `${result.spills} spills`);
    t.ok(result.finalWriteSeconds > 0, 'the write at the head is timed');
    t.ok(result.writeSeconds > result.finalWriteSeconds, 'the spills are timed too');
    t.ok(result.writeSeconds <= result.seconds, 'writing is part of the rebuild');
    t.same(dumpReadModel(h.db, all), expected.dump, 'equal to a build that never spilled');
    t.equal(countedEvents(h.db).total, expected.eventsRead, 'no event applied twice');
  },
);

void t.test(
  'a rebuild within its memory budget writes each document once, at the head',
  async (t) => {
    // Given a log of 30 customer journeys
    const h = createHarness(t);
    for (let n = 0; n < 30; n++) await appendJourney(h.store, n);
    const checkpoints: (string | null)[] = [];

    // When it is rebuilt in pages of 10 events with the default budget
    const result = await rebuildProjections(all, {
      store: h.store,
      db: h.db,
      logger: silent,
      batchSize: 10,
      progress: {
        update() {
          checkpoints.push(findByState(h.db, 'customer-state', 'building')?.checkpoint ?? null);
        },
        finish() {},
      },
    });

    // Then customer-state committed nothing before the last page: one write per document
    t.equal(result.spills, 0);
    t.ok(checkpoints.length > 5, `${checkpoints.length} pages`);
    t.same(
      checkpoints.slice(0, -1),
      checkpoints.slice(0, -1).map(() => null),
    );
    t.same(dumpReadModel(h.db, all), (await reference(h.store, h.dir)).dump);
  },
);

void t.test(
  'a rebuild whose heap passes its limit asks for full collections and ends with the same rows',
  async (t) => {
    // Given a log of 30 customer journeys
    const h = createHarness(t);
    for (let n = 0; n < 30; n++) await appendJourney(h.store, n);
    const expected = await reference(h.store, h.dir);

    // When it is rebuilt with a heap limit any heap is above, in pages of 20 events
    const result = await rebuildProjections(all, {
      store: h.store,
      db: h.db,
      logger: silent,
      batchSize: 20,
      heapLimitMb: 1,
    });

    // Then it collected, and the read model is the one a build without collections makes
    t.ok(result.heapCollections >= 1, `${result.heapCollections} collections`);
    t.same(dumpReadModel(h.db, all), expected.dump, 'equal to a build that never collected');
  },
);

void t.test('every poison event a rebuild skips is recorded, not only the last', async (t) => {
  // Given two customer webhooks whose bodies are not JSON among good journeys
  const h = createHarness(t);
  await appendJourney(h.store, 1);
  for (const n of [1, 2]) {
    await h.store.appendToStream(customerStream('cust-1'), [
      { id: uuidv5(`poison-${n}`), type: 'customer.updated', data: Buffer.from('{'), metadata: {} },
    ]);
  }
  await appendJourney(h.store, 2);

  // When everything is rebuilt, skipping poison events
  await rebuildProjections(all, { store: h.store, db: h.db, logger: silent, onError: 'skip' });

  // Then both are recorded as skipped for each projection that reads customer webhooks
  const records = h.db
    .prepare(
      "SELECT projection, event_id FROM projection_poison WHERE action = 'skipped' ORDER BY 1, 2",
    )
    .all() as { projection: string; event_id: string }[];
  for (const projection of ['customer-state', 'kyc-history']) {
    t.same(
      records.filter((r) => r.projection === projection).map((r) => r.event_id),
      [uuidv5('poison-1'), uuidv5('poison-2')].sort(),
      projection,
    );
  }
});

void t.test(
  'a rebuild gives up a projection whose building generation another process drops',
  async (t) => {
    // Given a log of 30 customer journeys
    const h = createHarness(t);
    for (let n = 0; n < 30; n++) await appendJourney(h.store, n);
    const expected = await reference(h.store, h.dir);

    // When another process drops kyc-history's building generation after the first page
    let dropped = false;
    const result = await rebuildProjections(all, {
      store: h.store,
      db: h.db,
      logger: silent,
      batchSize: 10,
      maxDirtyDocuments: 4,
      progress: {
        update() {
          const building = findByState(h.db, 'kyc-history', 'building');
          if (dropped || building === undefined) return;
          h.db.transaction(() => dropGeneration(h.db, building)).immediate();
          dropped = true;
        },
        finish() {},
      },
    });

    // Then kyc-history is superseded, nothing of it is left, and the others are built as ever
    t.ok(dropped);
    const outcome = (name: string) => result.results.find((r) => r.projection === name)?.outcome;
    t.equal(outcome('kyc-history'), 'superseded');
    t.equal(findByState(h.db, 'kyc-history', 'building'), undefined);
    t.equal(outcome('customer-state'), 'switched');
    const kycTables = new Set(all.find((p) => p.name === 'kyc-history')!.tables.map((x) => x.name));
    const others = all.filter((p) => p.name !== 'kyc-history');
    t.same(
      dumpReadModel(h.db, others),
      Object.fromEntries(Object.entries(expected.dump).filter(([table]) => !kycTables.has(table))),
    );
  },
);
