/**
 * Property: for random ComPilot facts delivered in random order, some more than once (as new
 * svix messages), the read model built incrementally by the live runner equals a full rebuild
 * of the same log, and what the queries answer equals what they answer for the same facts
 * delivered once each, in ComPilot time order. Event ids, positions and svix ids differ between
 * the two logs, so answers are compared with each replaced by the fact it delivers.
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
import { openReadModel } from '../../src/projections/readModelStore.js';
import { rebuildProjections } from '../../src/projections/rebuild.js';
import {
  alertCountsByStatus,
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
} from '../../src/readmodel/queries.js';
import type { EventStore, NewEvent } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { startProjections } from '../../src/projections/runner.js';
import { dumpReadModel, reached, silent } from '../helpers/projectionHarness.js';

const CUSTOMERS = ['cust-a', 'cust-b'];
const ALERTS = ['alrt-1', 'alrt-2'];
const WALLETS = [
  '0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B',
  '0xab5801a7d398351b8be11c439e05c5b3259aec9b',
  'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb',
  'tz1vsur8wwnhlazempoch5d6hlrith8cjcjb',
];

const minute = (m: number): string => new Date(Date.UTC(2025, 2, 3, 9, m)).toISOString();
const maybe = <T>(values: readonly T[]) => fc.constantFrom<T | null>(null, ...values);

const customerFact = fc.record({
  kind: fc.constant('customer' as const),
  customer: fc.constantFrom(...CUSTOMERS),
  type: fc.constantFrom('customer.created', 'customer.updated', 'customer.deleted'),
  minute: fc.integer({ min: 0, max: 30 }),
  status: maybe(['Active', 'To be reviewed', 'Failed', 'Rejected']),
  level: maybe(['Started', 'KYC', 'Onboarded']),
  risk: maybe(['Low', 'High']),
  reason: maybe(['Rules engine verification passed', 'AML screening hits']),
});
const detailsFact = fc.record({
  kind: fc.constant('details' as const),
  customer: fc.constantFrom(...CUSTOMERS),
  minute: fc.integer({ min: 0, max: 30 }),
  status: maybe(['Active', 'Escalated']),
  level: maybe(['KYC', 'Onboarded']),
  risk: maybe(['Low', 'Medium']),
  wallets: fc.subarray(WALLETS, { maxLength: 2 }),
  cause: fc.option(fc.nat(), { nil: undefined }),
});
const runFact = fc.record({
  kind: fc.constant('run' as const),
  customer: fc.constantFrom(...CUSTOMERS),
  type: fc.constantFrom('send.scenario', 'send.verification.flow'),
  minute: fc.integer({ min: 0, max: 30 }),
  executionId: fc.constantFrom('exec-1', 'exec-2', 'exec-3'),
  result: fc.constantFrom('valid', 'not-valid'),
  address: fc.constantFrom(...WALLETS),
});
const alertFact = fc.record({
  kind: fc.constant('alert' as const),
  alert: fc.constantFrom(...ALERTS),
  customer: fc.constantFrom(...CUSTOMERS),
  type: fc.constantFrom('alert.created', 'alert.updated', 'alert.deleted'),
  minute: fc.integer({ min: 0, max: 30 }),
  status: fc.constantFrom('Open', 'Under Investigation', 'Closed'),
});
type Of<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Fact =
  Of<typeof customerFact> | Of<typeof detailsFact> | Of<typeof runFact> | Of<typeof alertFact>;

const scenarioArb = fc
  .array(fc.oneof(customerFact, detailsFact, runFact, alertFact), { minLength: 1, maxLength: 14 })
  .chain((facts) =>
    fc.record({
      facts: fc.constant(facts as Fact[]),
      // Extra deliveries of some facts (a new svix message each), and a random delivery order.
      copies: fc.array(fc.integer({ min: 0, max: 2 }), {
        minLength: facts.length,
        maxLength: facts.length,
      }),
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: facts.length * 3,
        maxLength: facts.length * 3,
      }),
      batchSize: fc.integer({ min: 1, max: 6 }),
    }),
  );

interface Delivery {
  readonly fact: number;
  readonly copy: number;
  readonly stream: string;
  readonly event: NewEvent;
}

/** The stored events of fact `i`, copy `k` (later copies are later svix messages). */
function deliver(facts: readonly Fact[], i: number, k: number): Delivery {
  const fact = facts[i]!;
  const svixId = `f${i}-c${k}`;
  const id = uuidv5(svixId);
  const svixTime = new Date(Date.parse(minute(fact.minute)) + k * 3_600_000);
  const webhook = (
    stream: string,
    eventType: string,
    payload: Record<string, unknown>,
  ): Delivery => ({
    fact: i,
    copy: k,
    stream,
    event: {
      id,
      type: eventType,
      data: Buffer.from(JSON.stringify({ eventType, payload })),
      metadata: {
        svixId,
        svixTimestamp: String(Math.floor(svixTime.getTime() / 1000)),
        receivedAt: svixTime.toISOString(),
      },
    },
  });
  switch (fact.kind) {
    case 'customer':
      return webhook(customerStream(fact.customer), fact.type, {
        customerId: fact.customer,
        externalCustomerId: `ext-${fact.customer}`,
        status: fact.status,
        onboardingLevel: fact.level,
        riskScore: fact.risk,
        reason: fact.reason,
        createdAt: minute(0),
        updatedAt: fact.type === 'customer.created' ? null : minute(fact.minute),
        ...(fact.type === 'customer.deleted' ? { deletedAt: minute(fact.minute) } : {}),
      });
    case 'run':
      return webhook(customerStream(fact.customer), fact.type, {
        customerId: fact.customer,
        executionId: fact.executionId,
        address: fact.address,
        result:
          fact.type === 'send.scenario'
            ? fact.result
            : [{ type: 'integratedScorechain', data: { riskLevel: fact.result } }],
      });
    case 'alert':
      return webhook(alertStream(fact.alert), fact.type, {
        id: fact.alert,
        customerId: fact.customer,
        severity: 'High',
        status: fact.status,
        createdAt: minute(0),
        updatedAt: minute(fact.minute),
        tags: [],
      });
    case 'details': {
      // Fetched because of (the first delivery of) a customer webhook, if the fact names one.
      const causeIndex = fact.cause === undefined ? undefined : fact.cause % facts.length;
      const cause =
        causeIndex === undefined || facts[causeIndex]!.kind !== 'customer'
          ? []
          : [{ id: uuidv5(`f${causeIndex}-c0`), position: '' }];
      return {
        fact: i,
        copy: k,
        stream: customerStream(fact.customer),
        event: {
          id,
          type: DETAILS_EVENT_TYPE,
          data: Buffer.from(
            JSON.stringify({
              id: fact.customer,
              status: fact.status,
              onboardingLevel: fact.level,
              riskScore: fact.risk,
              createdAt: minute(0),
              updatedAt: minute(fact.minute),
              customerWallets: fact.wallets.map((wallet) => ({ wallet, verified: true })),
            }),
          ),
          metadata: {
            testFact: svixId,
            // Repeats of a snapshot are the same answer: same fetch time.
            fetchedAt: new Date(Date.parse(minute(fact.minute)) + 60_000).toISOString(),
            causationId: cause[0]?.id ?? 'none',
            causedBy: cause,
          },
        },
      };
    }
  }
}

async function append(store: EventStore, deliveries: readonly Delivery[]): Promise<void> {
  for (const d of deliveries) await store.appendToStream(d.stream, [d.event]);
}

/** Query answers with every event id, position and svix id replaced by its fact. */
async function answers(store: EventStore, db: ReturnType<typeof openReadModel>): Promise<unknown> {
  const names = new Map<string, string>();
  for (const event of await store.readAll({ maxCount: 10_000 })) {
    const fact = String(event.metadata.svixId ?? event.metadata.testFact).replace(/-c\d+$/, '');
    names.set(event.id, fact);
    names.set(event.position, fact);
    if (typeof event.metadata.svixId === 'string') names.set(event.metadata.svixId, fact);
  }
  const strip = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, v: unknown) =>
        key === 'lastEventPosition' ? undefined : typeof v === 'string' ? (names.get(v) ?? v) : v,
      ).replace(
        /"(scenario|verification-flow|status|onboardingLevel|riskScore|deleted):([^"]+)"/g,
        (_m, kind: string, id: string) => `"${kind}:${names.get(id) ?? id}"`,
      ),
    ) as unknown;
  return strip({
    customers: CUSTOMERS.map((id) => [
      getCustomer(db, id) ?? null,
      getKycHistory(db, id),
      alertCountsByStatus(db, id),
    ]),
    alerts: ALERTS.map((id) => getAlert(db, id) ?? null),
    wallets: WALLETS.map((address) => findWalletOwners(db, address)),
  });
}

void t.test('projections converge whatever the delivery order and repeats', async (t) => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(scenarioArb, async ({ facts, copies, order, batchSize }) => {
      run += 1;
      const dir = join(t.testdir(), `run-${run}`);
      mkdirSync(dir, { recursive: true });
      // Shuffled, duplicated delivery, applied live in small batches...
      const deliveries: Delivery[] = [];
      facts.forEach((_fact, i) => {
        for (let k = 0; k <= copies[i]!; k++) deliveries.push(deliver(facts, i, k));
      });
      const shuffled = deliveries
        .map((d, index) => ({ d, key: order[index] ?? index }))
        .sort((a, b) => a.key - b.key)
        .map(({ d }) => d);
      const store = openSqliteEventStore({ path: join(dir, 'events.db') });
      const db = openReadModel(join(dir, 'readmodel.db'));
      const rebuiltDb = openReadModel(join(dir, 'rebuilt.db'));
      const orderedStore = openSqliteEventStore({ path: join(dir, 'ordered.db') });
      const orderedDb = openReadModel(join(dir, 'ordered-rm.db'));
      const stop = new AbortController();
      const runner = startProjections({
        store,
        db,
        projections,
        logger: silent,
        signal: stop.signal,
        batchSize,
      });
      try {
        await append(store, shuffled);
        await runner.waitFor(reached(await store.headPosition()));
        const incremental = dumpReadModel(db, projections);

        // ...equals a full rebuild of the same log...
        await rebuildProjections(projections, {
          store,
          db: rebuiltDb,
          logger: silent,
          batchSize: 3,
        });
        assert.deepStrictEqual(
          dumpReadModel(rebuiltDb, projections),
          incremental,
          'incremental equals rebuild',
        );

        // ...and answers like each fact delivered once, in ComPilot time order.
        const inOrder = facts
          .map((_fact, i) => deliver(facts, i, 0))
          .sort((a, b) => facts[a.fact]!.minute - facts[b.fact]!.minute || a.fact - b.fact);
        await append(orderedStore, inOrder);
        await rebuildProjections(projections, {
          store: orderedStore,
          db: orderedDb,
          logger: silent,
        });
        assert.deepStrictEqual(await answers(store, db), await answers(orderedStore, orderedDb));
      } finally {
        stop.abort();
        await runner.done;
        for (const d of [db, rebuiltDb, orderedDb]) d.close();
        await Promise.all([store.close(), orderedStore.close()]);
      }
    }),
    { numRuns: 40 },
  );
  t.pass(`${run} random deliveries converged`);
});
