/**
 * Whether a customer has been erased: its stream holds the erasure record
 * (`ledger.customer-erased`, written only by the erasure protocol, src/retention/). Everything
 * that would call ComPilot about a customer (enrichment, `rebuild --refetch`, reconciliation)
 * asks first: an erased customer is never fetched again, so no new details snapshot brings its
 * personal data back. Erasure is final, so a positive answer is remembered.
 */
import { customerStream } from '../events/streams.js';
import { ERASED_EVENT_TYPE } from '../events/retentionEvents.js';
import {
  StreamRevisionConflictError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../store/eventStore.js';

export function holdsErasureRecord(events: readonly RecordedEvent[]): boolean {
  return events.some((event) => event.type === ERASED_EVENT_TYPE);
}

const erased = new WeakMap<EventStore, Set<string>>();
const PAGE = 1000;

export async function isCustomerErased(store: EventStore, customerId: string): Promise<boolean> {
  let known = erased.get(store);
  if (known?.has(customerId)) return true;
  const stream = customerStream(customerId);
  for (let from = 0n; ;) {
    const page = await store.readStream(stream, { fromRevision: from, maxCount: PAGE });
    if (holdsErasureRecord(page)) break;
    if (page.length < PAGE) return false;
    from = page.at(-1)!.revision + 1n;
  }
  if (known === undefined) {
    known = new Set();
    erased.set(store, known);
  }
  known.add(customerId);
  return true;
}

/** Appends lost to other writers before appendUnlessErased gives up (each re-reads the stream). */
const MAX_APPEND_ATTEMPTS = 10;

export type GuardedAppend = 'appended' | 'duplicate' | 'erased' | 'unwanted';

/**
 * Appends a snapshot fetched from ComPilot to the customer's stream unless the stream then holds
 * an erasure record, or `wanted` (given the stream's events) says the snapshot is no longer
 * needed. Both are judged on the stream the append follows: it expects the revision read, so an
 * erasure recorded while ComPilot answered (or any other event) makes it read and judge again.
 * Checked only before the fetch, an erasure finished meanwhile would let the snapshot in under
 * a new data key: the erased customer's data back in the log.
 */
export async function appendUnlessErased(
  store: EventStore,
  customerId: string,
  event: NewEvent,
  wanted: (events: readonly RecordedEvent[]) => boolean = () => true,
): Promise<GuardedAppend> {
  const stream = customerStream(customerId);
  for (let attempt = 1; ; attempt++) {
    const events = await store.readStream(stream);
    if (holdsErasureRecord(events)) return 'erased';
    if (!wanted(events)) return 'unwanted';
    try {
      const result = await store.appendToStream(stream, [event], {
        expected: events.at(-1)?.revision ?? 'no_stream',
      });
      return result.duplicate ? 'duplicate' : 'appended';
    } catch (error) {
      if (!(error instanceof StreamRevisionConflictError) || attempt >= MAX_APPEND_ATTEMPTS) {
        throw error;
      }
    }
  }
}
