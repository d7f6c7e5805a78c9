/**
 * rebuildProjections under its memory limits: staged documents flushed per projection, a tiny
 * budget that spills, the default budget that writes each document once at the head, and a
 * heap limit that asks for full collections; every one ends with the rows of a fresh build.
 */
import t from 'tap';
import { findByState } from '../../src/readmodel/generations.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import {
  countedEvents,
  createHarness,
  dumpReadModel,
  silent,
} from '../helpers/projectionHarness.js';
import { appendJourney } from '../helpers/projectionEvents.js';
import { all, reference } from '../helpers/rebuildReference.js';

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
