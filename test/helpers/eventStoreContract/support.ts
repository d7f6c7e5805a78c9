/** Shared pieces of the event store contract suite. */
import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type {
  EventStore,
  NewEvent,
  Position,
  RecordedEvent,
  SubscriptionBatch,
} from '../../../src/store/eventStore.js';

/**
 * How a store under test differs from the others. Everything not listed here must behave
 * identically in every adapter.
 */
export interface EventStoreContractOptions {
  /** Names the adapter in test output. */
  readonly name: string;
  /**
   * A store for one subtest. The factory owns cleanup (register `t.teardown(() => store.close())`);
   * the suite may also close the store itself, so `close()` must be safe to call twice.
   */
  readonly makeStore: (t: Test) => Promise<EventStore>;
  /**
   * For stores whose positions are gap-free (SQLite, in-memory): the position right after
   * `position`. Omit it where positions only grow (KurrentDB's commit/prepare positions skip);
   * the suite then checks strict order only.
   */
  readonly nextPosition?: (position: Position) => Position;
  /**
   * Whether a store from `makeStore` starts with an empty log. False for a shared server that
   * other tests have written to; the suite then only checks what it wrote itself.
   * @defaultValue true
   */
  readonly startsEmpty?: boolean;
  /**
   * For stores that persist: a store plus a way to close it and open the same storage again,
   * so the suite can check what survives a restart. Omitted for the in-memory store.
   */
  readonly makeReopenableStore?: (t: Test) => Promise<ReopenableStore>;
}

export interface ReopenableStore {
  readonly store: EventStore;
  /** Closes `store` and opens another on the same storage (as a restarted process would). */
  readonly reopen: () => Promise<EventStore>;
}

/** Each subtest writes to streams of its own, so the suite also runs on a shared server. */
export function freshStream(label = 'contract'): string {
  return `${label}-${randomUUID()}`;
}

let counter = 0;

export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  counter += 1;
  return {
    id: randomUUID(),
    type: 'contract.tested',
    data: Buffer.from(JSON.stringify({ n: counter })),
    metadata: { n: counter },
    ...overrides,
  };
}

export function newEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => newEvent());
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(t: Test, promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  t.fail('expected the operation to be rejected');
  return undefined;
}

/** Reads the whole log after `after`, page by page. */
export async function readAllAfter(
  store: EventStore,
  after: Position | undefined,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ after: cursor, maxCount: 500 });
    if (page.length === 0) return events;
    events.push(...page);
    cursor = page.at(-1)!.position;
  }
}

export function ids(events: readonly { readonly id: string }[]): string[] {
  return events.map((event) => event.id);
}

/** Guards a wait on the store so a broken subscription fails the test instead of hanging it. */
const GUARD_MS = 60_000;

export async function nextBatch(
  iterator: AsyncIterator<SubscriptionBatch>,
): Promise<IteratorResult<SubscriptionBatch>> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the subscription delivered nothing within ${GUARD_MS} ms`)),
      GUARD_MS,
    );
  });
  try {
    return await Promise.race([iterator.next(), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pulls batches until `done(batchesSoFar)` says so; fails if the subscription ends first. */
export async function collectBatches(
  iterator: AsyncIterator<SubscriptionBatch>,
  done: (batches: readonly SubscriptionBatch[]) => boolean,
): Promise<SubscriptionBatch[]> {
  const batches: SubscriptionBatch[] = [];
  while (!done(batches)) {
    const result = await nextBatch(iterator);
    if (result.done) throw new Error('the subscription ended before the expected batches');
    batches.push(result.value);
  }
  return batches;
}

export function eventsOf(batches: readonly SubscriptionBatch[]): RecordedEvent[] {
  return batches.flatMap((batch) => batch.events);
}

/** Checks positions strictly increase, and are contiguous when the store says they are. */
export function checkPositionOrder(
  t: Test,
  events: readonly RecordedEvent[],
  nextPosition: ((position: Position) => Position) | undefined,
): void {
  let ordered = true;
  let contiguous = true;
  for (let i = 1; i < events.length; i += 1) {
    const previous = events[i - 1]!.position;
    const current = events[i]!.position;
    if (!(previous < current)) ordered = false;
    if (nextPosition && nextPosition(previous) !== current) contiguous = false;
  }
  t.ok(ordered, 'positions strictly increase in log order');
  if (nextPosition) t.ok(contiguous, 'positions are gap-free');
}
