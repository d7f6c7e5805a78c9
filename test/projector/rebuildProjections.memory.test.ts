/**
 * rebuildProjections under its memory limits: staged documents flushed per projection, a tiny
 * budget that spills (the coldest documents, or with cold spills off all of them), the default
 * budget that writes each document once at the head, and a heap limit that asks for full
 * collections; every one ends with the rows of a fresh build.
 */
import t from 'tap';
import { findByState, physicalTable } from '../../src/readmodel/generations.js';
import { isWrittenAhead } from '../../src/readmodel/writtenAhead.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import type { BuildOptions } from '../../src/projector/rebuildOptions.js';
import {
  countedEvents,
  createHarness,
  dumpReadModel,
  type Harness,
  silent,
} from '../helpers/projectionHarness.js';
import { appendJourney } from '../helpers/projectionEvents.js';
import { all, journeysWithReference, reference } from '../helpers/rebuildReference.js';

/** Rebuilds everything in pages of 20 events with room for almost nothing staged. */
function rebuildCramped(h: Harness, options: Partial<BuildOptions> = {}) {
  return rebuildProjections(all, {
    store: h.store,
    db: h.db,
    logger: silent,
    batchSize: 20,
    memoryBudgetMb: 0.05,
    ...options,
  });
}

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
    const { h, expected } = await journeysWithReference(t, 60);

    // When it is rebuilt with room for almost nothing in memory, in pages of 20 events
    const result = await rebuildCramped(h, { memoryBudgetMb: 0.01 });

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
  'a spill writes the coldest documents ahead of the checkpoint and keeps the others staged',
  async (t) => {
    // Given a log of 60 customer journeys
    const { h, expected } = await journeysWithReference(t, 60);
    const seen: { checkpoint: string | null; rows: number; ahead: boolean }[] = [];

    // When it is rebuilt in pages of 20 events with room for a few documents
    const result = await rebuildCramped(h, {
      progress: {
        update() {
          const build = findByState(h.db, 'customer-state', 'building');
          if (build === undefined) return;
          const table = physicalTable('customers', build.version, build.generation);
          seen.push({
            checkpoint: build.checkpoint,
            rows: h.db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number,
            ahead: isWrittenAhead(h.db, build),
          });
        },
        finish() {},
      },
    });

    // Then customer documents were written before any checkpoint was, marked as written ahead
    t.ok(result.spills > 1, `${result.spills} spills`);
    const early = seen.filter((s) => s.checkpoint === null && s.rows > 0);
    t.ok(early.length > 0, 'documents written with no checkpoint yet');
    t.ok(
      early.every((s) => s.ahead),
      'the generation was marked written ahead meanwhile',
    );
    // And the documents kept staged were not all written: the spill took only the cold ones
    t.ok(
      early.some((s) => s.rows < 60),
      `at most ${Math.min(...early.map((s) => s.rows))} of 60 customers written at a spill`,
    );
    // And the build ends unmarked, with the rows of a build that never spilled
    const live = findByState(h.db, 'customer-state', 'live')!;
    t.notOk(isWrittenAhead(h.db, live), 'the write at the head cleared the mark');
    t.same(dumpReadModel(h.db, all), expected.dump, 'equal to a build that never spilled');
    t.equal(countedEvents(h.db).total, expected.eventsRead, 'no event applied twice');
  },
);

void t.test(
  'spills that come close together write a larger share each, so there are fewer of them',
  async (t) => {
    // Given the same 60 journeys in two stores
    const steady = await journeysWithReference(t, 60);
    const adaptive = await journeysWithReference(t, 60);

    // When one is rebuilt writing a tenth at every spill, the other with the default policy
    // (spills of this small log always come within 50,000 events of each other), both with
    // room for a dozen or so customers' documents
    const tenth = await rebuildCramped(steady.h, { spillGapEvents: 0, memoryBudgetMb: 0.1 });
    const growing = await rebuildCramped(adaptive.h, { memoryBudgetMb: 0.1 });

    // Then the default spilled fewer times, and both end with the rows of a fresh build
    t.ok(tenth.spills > 1, `${tenth.spills} spills writing a tenth each`);
    t.ok(growing.spills < tenth.spills, `${growing.spills} spills with growing shares`);
    t.same(dumpReadModel(steady.h.db, all), steady.expected.dump, 'a tenth at every spill');
    t.same(dumpReadModel(adaptive.h.db, all), adaptive.expected.dump, 'growing shares');
    t.equal(countedEvents(adaptive.h.db).total, adaptive.expected.eventsRead, 'none applied twice');
  },
);

void t.test(
  'with cold spills off, a spill writes every document with its checkpoint',
  async (t) => {
    // Given a log of 60 customer journeys
    const { h, expected } = await journeysWithReference(t, 60);
    const checkpoints: (string | null)[] = [];
    let ahead = false;

    // When it is rebuilt with a tiny budget and cold spills off
    const result = await rebuildCramped(h, {
      coldSpills: false,
      progress: {
        update() {
          const build = findByState(h.db, 'customer-state', 'building');
          if (build === undefined) return;
          checkpoints.push(build.checkpoint);
          ahead ||= isWrittenAhead(h.db, build);
        },
        finish() {},
      },
    });

    // Then each spill committed customer-state's checkpoint, and nothing was ever written ahead
    t.ok(result.spills > 1, `${result.spills} spills`);
    t.ok(
      checkpoints.some((c) => c !== null),
      'a checkpoint before the head',
    );
    t.notOk(ahead, 'never written ahead');
    t.same(dumpReadModel(h.db, all), expected.dump, 'equal to a build that never spilled');
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
