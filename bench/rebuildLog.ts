/**
 * A synthetic ComPilot event log for `bench:rebuild`: customers going through onboarding
 * (created, level changes, a verification flow with Scorechain + IPQS, a scenario with an
 * ID credential, KYC approval or rejection, ongoing-monitoring updates, alerts for some), each
 * customer webhook followed by the details snapshot the enrichment reactor would fetch.
 * Onboardings take minutes, later events come days apart over a 30-day log; deliveries have latency (a few percent minutes late, so out of
 * ComPilot order) and about 1% are delivered twice under a new svix id. Streamed in delivery
 * order with memory bounded by the journeys in flight. Deterministic for a seed.
 *
 * The journeys' steps are in journeySteps.ts and the bodies they send in journeyBodies.ts; this
 * module schedules them into delivery order and records them as ingress and enrichment would.
 */
import { createHash } from 'node:crypto';
import { customerStream } from '../src/events/streams.js';
import {
  DETAILS_EVENT_TYPE,
  type DetailsMetadata,
  type WebhookMetadata,
} from '../src/events/types.js';
import { uuidv5 } from '../src/lib/uuidv5.js';
import type { NewEvent } from '../src/store/eventStore.js';
import { T0, type Journey } from './journeyBodies.js';
import { LEVELS, advance } from './journeySteps.js';

export interface SyntheticLogOptions {
  readonly events: number;
  readonly customers: number;
  readonly seed?: number;
}

export interface SyntheticEvent {
  readonly stream: string;
  readonly event: NewEvent;
}

const MINUTE = 60_000;

type Item =
  | { readonly at: number; readonly kind: 'step'; readonly journey: Journey }
  | { readonly at: number; readonly kind: 'event'; readonly item: SyntheticEvent };

export function* syntheticLog(options: SyntheticLogOptions): Generator<SyntheticEvent> {
  const random = mulberry32(options.seed ?? 42);
  // Onboarding (6 steps) yields about 10 events, each later step about 1.8.
  const perCustomer = options.events / options.customers;
  const steps = 6 + Math.max(0, Math.round((perCustomer - 10) / 1.8));
  // Customers start evenly over 30 days of log time.
  const spacing = (30 * 24 * 60 * MINUTE) / options.customers;
  const heap = createHeap<Item>((a, b) => a.at - b.at);
  for (let index = 0; index < options.customers; index++) {
    const journey: Journey = {
      index,
      customerId: uuidv5(`bench-customer-${index}`),
      wallet: `0x${createHash('sha1').update(`wallet-${index}`).digest('hex')}`,
      step: 0,
      steps,
      time: T0 + index * spacing,
      alertId: undefined,
      lastWebhookId: undefined,
      status: null,
      riskScore: null,
      level: 'Started',
    };
    heap.push({ at: journey.time, kind: 'step', journey });
  }
  let emitted = 0;
  let svix = 0;
  const deliver = (at: number, item: SyntheticEvent): void => {
    const late = random() < 0.03 ? random() * 120 * MINUTE : 0;
    heap.push({ at: at + 500 + random() * 2000 + late, kind: 'event', item });
  };
  while (emitted < options.events) {
    const next = heap.pop();
    if (next === undefined) return;
    if (next.kind === 'event') {
      emitted += 1;
      yield next.item;
      continue;
    }
    const journey = next.journey;
    for (const produced of advance(journey, random)) {
      const webhook = produced.type !== DETAILS_EVENT_TYPE;
      const event = webhook
        ? webhookEvent(produced.stream, produced.type, produced.body, `msg_${++svix}`, journey.time)
        : detailsEvent(journey, produced.body);
      if (webhook && produced.stream === customerStream(journey.customerId)) {
        journey.lastWebhookId = event.event.id;
      }
      deliver(journey.time, event);
      if (webhook && random() < 0.01) {
        // ComPilot sending the same fact twice: same body, a new svix message.
        deliver(
          journey.time + 30 * MINUTE,
          webhookEvent(
            produced.stream,
            produced.type,
            produced.body,
            `msg_${++svix}`,
            journey.time,
          ),
        );
      }
    }
    journey.step += 1;
    // Onboarding takes minutes; ongoing monitoring and alerts come days apart, so a customer's
    // later events are spread over the whole log (little locality for caches to exploit).
    const onboarding = journey.step <= LEVELS.length + 1;
    journey.time += onboarding ? (1 + random() * 20) * MINUTE : random() * 4 * 24 * 60 * MINUTE;
    if (journey.step < journey.steps) heap.push({ at: journey.time, kind: 'step', journey });
  }
}

function webhookEvent(
  stream: string,
  type: string,
  body: Record<string, unknown>,
  svixId: string,
  time: number,
): SyntheticEvent {
  const raw = Buffer.from(JSON.stringify(body));
  const metadata: WebhookMetadata = {
    svixId,
    svixTimestamp: String(Math.floor(time / 1000)),
    svixSignature: `v1,${'A'.repeat(43)}=`,
    headerScheme: 'svix',
    receivedAt: new Date(time + 1000).toISOString(),
    bodySha256: createHash('sha256').update(raw).digest('hex'),
    schemaVersion: '1',
  };
  return { stream, event: { id: uuidv5(svixId), type, data: raw, metadata: { ...metadata } } };
}

function detailsEvent(journey: Journey, body: Record<string, unknown>): SyntheticEvent {
  const cause = journey.lastWebhookId ?? 'none';
  const metadata: DetailsMetadata = {
    fetchedAt: new Date(journey.time + 2000).toISOString(),
    apiPath: `/customers/${journey.customerId}/details`,
    httpStatus: 200,
    causationId: cause,
    causationPosition: '',
    causedBy: [{ id: cause, position: '' }],
  };
  const stream = customerStream(journey.customerId);
  return {
    stream,
    event: {
      id: uuidv5(`compilot-enrichment/${stream}/${cause}`),
      type: DETAILS_EVENT_TYPE,
      data: Buffer.from(JSON.stringify(body)),
      metadata: { ...metadata },
    },
  };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Heap<T> {
  push(item: T): void;
  pop(): T | undefined;
}

function createHeap<T>(compare: (a: T, b: T) => number): Heap<T> {
  const items: T[] = [];
  return {
    push(item) {
      items.push(item);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (compare(items[i]!, items[parent]!) >= 0) break;
        [items[i], items[parent]] = [items[parent]!, items[i]!];
        i = parent;
      }
    },
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0 && last !== undefined) {
        items[0] = last;
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          const right = left + 1;
          let smallest = i;
          if (left < items.length && compare(items[left]!, items[smallest]!) < 0) smallest = left;
          if (right < items.length && compare(items[right]!, items[smallest]!) < 0)
            smallest = right;
          if (smallest === i) break;
          [items[i], items[smallest]] = [items[smallest]!, items[i]!];
          i = smallest;
        }
      }
      return top;
    },
  };
}
