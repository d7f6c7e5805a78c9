/**
 * Random ComPilot facts for property tests: customers, details snapshots, scenario runs and
 * alerts over a few ids and minutes, with extra deliveries (new svix messages) and a random
 * delivery order, and the stored events that deliver them.
 */
import fc from 'fast-check';
import { alertStream, customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import type { EventStore, NewEvent } from '../../src/store/eventStore.js';

export const CUSTOMERS = ['cust-a', 'cust-b'];
export const ALERTS = ['alrt-1', 'alrt-2'];
export const WALLETS = [
  '0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B',
  '0xab5801a7d398351b8be11c439e05c5b3259aec9b',
  'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb',
  'tz1vsur8wwnhlazempoch5d6hlrith8cjcjb',
];

export const minute = (m: number): string => new Date(Date.UTC(2025, 2, 3, 9, m)).toISOString();
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
export type Fact =
  Of<typeof customerFact> | Of<typeof detailsFact> | Of<typeof runFact> | Of<typeof alertFact>;

export const scenarioArb = fc
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

export interface Delivery {
  readonly fact: number;
  readonly copy: number;
  readonly stream: string;
  readonly event: NewEvent;
}

/** The stored events of fact `i`, copy `k` (later copies are later svix messages). */
export function deliver(facts: readonly Fact[], i: number, k: number): Delivery {
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

export async function append(store: EventStore, deliveries: readonly Delivery[]): Promise<void> {
  for (const d of deliveries) await store.appendToStream(d.stream, [d.event]);
}
