/**
 * Property: the bulk rebuild (documents kept in memory and written once) and the live runner
 * (small batches, a write per batch) give byte-identical read models on the same log: random
 * ComPilot facts delivered out of order and more than once, with poison events (bodies that
 * are not JSON) under both PROJECTION_ON_ERROR settings. So do a rebuild forced to spill at
 * every page by a tiny memory budget, and a rebuild interrupted after its first page and
 * resumed. Compared: every row of each projection's generation (the live one, or the one a
 * poison event stopped), its checkpoint, and the poison records. Half the cases run with
 * encryption at rest (events encrypted, read-model columns sealed with random IVs): their rows
 * are compared with the sealed columns opened, and every sealed column is checked to be sealed.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { projections } from '../../projections/index.js';
import { alertStream, customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { findByState, physicalTable } from '../../src/readmodel/generations.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { startProjections } from '../../src/projector/runner.js';
import type { OnError } from '../../src/projector/target.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import {
  append,
  CUSTOMERS,
  deliver,
  scenarioArb,
  type Delivery,
} from '../helpers/comPilotFacts.js';
import { silent } from '../helpers/projectionHarness.js';
import {
  openEncryptedTestStore,
  openedRow,
  sealedCounts,
  sealThrough,
} from '../helpers/sealedReadModel.js';

const poisonArb = fc.array(
  fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    type: fc.constantFrom('customer.updated', 'send.scenario', DETAILS_EVENT_TYPE, 'alert.updated'),
    customer: fc.constantFrom(...CUSTOMERS),
  }),
  { maxLength: 2 },
);

const caseArb = fc.record({
  scenario: scenarioArb,
  poison: poisonArb,
  onError: fc.constantFrom<OnError>('stop', 'skip'),
  liveBatch: fc.integer({ min: 1, max: 5 }),
  rebuildBatch: fc.integer({ min: 1, max: 7 }),
  encrypted: fc.boolean(),
  // Documents cached between batches: a small cache makes flushes keep only its last few.
  cacheSize: fc.constantFrom(1, 3, 5000),
});

/** A delivery whose body is not JSON: every projection handling its type refuses it. */
function poisonDelivery(type: string, customer: string, index: number): Delivery {
  const stream = type === 'alert.updated' ? alertStream('alrt-1') : customerStream(customer);
  const svixId = `poison-${index}`;
  return {
    fact: -1,
    copy: 0,
    stream,
    event: {
      id: uuidv5(svixId),
      type,
      data: Buffer.from('{"eventType": not json'),
      metadata: { svixId, svixTimestamp: '1741000000', receivedAt: '2025-03-03T11:06:40.000Z' },
    },
  };
}

/**
 * Per projection: the rows of the generation it would serve or stopped in (live, else
 * building), ordered by primary key, its checkpoint, and its poison records.
 */
function dump(db: ReadModelDb): unknown {
  return projections.map((projection) => {
    const generation =
      findByState(db, projection.name, 'live') ?? findByState(db, projection.name, 'building');
    if (generation === undefined) return { projection: projection.name, generation: null };
    const tables = projection.tables.map((table) =>
      (
        db
          .prepare(
            `SELECT * FROM "${physicalTable(table.name, generation.version, generation.generation)}"
           ORDER BY ${table.primaryKey.join(', ')}`,
          )
          .all() as Record<string, unknown>[]
      ).map((row) => openedRow(db, table, row)),
    );
    const poison = db
      .prepare(
        `SELECT position, event_id, event_type, error, action FROM projection_poison
         WHERE projection = ? AND generation = ? ORDER BY position`,
      )
      .all(projection.name, generation.generation);
    return { projection: projection.name, checkpoint: generation.checkpoint, tables, poison };
  });
}

void t.test('bulk rebuilds equal the live runner on random logs', async (t) => {
  let run = 0;
  let spilled = 0;
  let interrupted = 0;
  let sealedRuns = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, async (input) => {
      const { scenario, poison, onError, liveBatch, rebuildBatch, cacheSize, encrypted } = input;
      run += 1;
      const dir = join(t.testdir(), `run-${run}`);
      mkdirSync(dir, { recursive: true });
      const { facts, copies, order } = scenario;
      const deliveries: Delivery[] = [];
      facts.forEach((_fact, i) => {
        for (let k = 0; k <= copies[i]!; k++) deliveries.push(deliver(facts, i, k));
      });
      const shuffled = deliveries
        .map((d, index) => ({ d, key: order[index] ?? index }))
        .sort((a, b) => a.key - b.key)
        .map(({ d }) => d);
      poison.forEach((p, index) => {
        const at = Math.floor(p.at * (shuffled.length + 1));
        shuffled.splice(at, 0, poisonDelivery(p.type, p.customer, index));
      });
      const store = encrypted
        ? openEncryptedTestStore(dir)
        : openSqliteEventStore({ path: join(dir, 'events.db') });
      const dbs = ['live', 'bulk', 'spilled', 'resumed'].map((name) => {
        const db = openReadModel(join(dir, `${name}.db`));
        return encrypted ? sealThrough(db, store) : db;
      });
      const [liveDb, bulkDb, spilledDb, resumedDb] = dbs as [
        ReadModelDb,
        ReadModelDb,
        ReadModelDb,
        ReadModelDb,
      ];
      const stop = new AbortController();
      try {
        await append(store, shuffled);
        const head = await store.headPosition();
        // The live runner, in small batches, until each projection reached the head or stopped.
        const runner = startProjections({
          store,
          db: liveDb,
          projections,
          logger: silent,
          signal: stop.signal,
          batchSize: liveBatch,
          onError,
          cacheSize,
        });
        await runner.waitFor((status) =>
          status.projections.every(
            (p) => p.servingVersion === p.version && (p.checkpoint === head || p.poisoned !== null),
          ),
        );
        stop.abort();
        await runner.done;
        const expected = dump(liveDb);
        if (encrypted) {
          const counts = sealedCounts(liveDb, projections);
          assert.equal(counts.plain, 0, 'every personal value is sealed');
          sealedRuns += counts.sealed > 0 ? 1 : 0;
        }

        const options = { store, logger: silent, batchSize: rebuildBatch, onError, cacheSize };
        await rebuildProjections(projections, { ...options, db: bulkDb });
        assert.deepStrictEqual(dump(bulkDb), expected, 'bulk rebuild equals the live runner');

        const spilling = await rebuildProjections(projections, {
          ...options,
          db: spilledDb,
          memoryBudgetMb: 1e-6,
        });
        spilled += spilling.spills > 0 ? 1 : 0;
        assert.deepStrictEqual(dump(spilledDb), expected, 'a rebuild that spilled is the same');

        // Interrupted once it has read its first page, then resumed by a second rebuild.
        const interrupt = new AbortController();
        const first = await rebuildProjections(projections, {
          ...options,
          db: resumedDb,
          signal: interrupt.signal,
          progress: { update: () => interrupt.abort(), finish() {} },
        });
        interrupted += first.results.some((r) => r.outcome === 'aborted') ? 1 : 0;
        await rebuildProjections(projections, { ...options, db: resumedDb });
        assert.deepStrictEqual(dump(resumedDb), expected, 'an interrupted, resumed rebuild too');
      } finally {
        stop.abort();
        for (const db of dbs) db.close();
        await store.close();
      }
    }),
    { numRuns: 30 },
  );
  // The cases the property is about did occur.
  t.ok(spilled > 0, `${spilled} of ${run} rebuilds spilled`);
  t.ok(interrupted > 0, `${interrupted} of ${run} rebuilds were interrupted and resumed`);
  t.ok(sealedRuns > 0, `${sealedRuns} of ${run} runs compared sealed read models`);
});
