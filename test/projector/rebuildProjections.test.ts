/**
 * rebuildProjections alongside other writers and bad events: appends and queries during a
 * rebuild, poison events it skips, and a building generation another process drops. Crash and
 * resume are in rebuildProjections.crash.test.ts, memory and flushing in
 * rebuildProjections.memory.test.ts.
 */
import t from 'tap';
import { dropGeneration, findByState } from '../../src/readmodel/generations.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { getCustomer, getKycHistory, listCustomers } from '../../src/readmodel/queries.js';
import {
  countedEvents,
  createHarness,
  dumpReadModel,
  reached,
  silent,
} from '../helpers/projectionHarness.js';
import { startLiveTraffic } from '../helpers/liveTraffic.js';
import { appendJourney } from '../helpers/projectionEvents.js';
import { all, reference } from '../helpers/rebuildReference.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { customerStream } from '../../src/events/streams.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';

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
