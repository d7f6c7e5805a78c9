/**
 * Whether a customer has been erased: its stream holds the erasure record. Everything that
 * would call ComPilot about a customer (enrichment, `rebuild --refetch`, reconciliation) asks
 * first: an erased customer is never fetched again, so no new details snapshot brings its
 * personal data back. Erasure is final, so a positive answer is remembered.
 */
import { customerStream } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { readWholeStream } from './erasurePlan.js';
import { ERASED_EVENT_TYPE, erasureEventId } from './retentionEvents.js';

export function holdsErasureRecord(events: readonly RecordedEvent[], customerId: string): boolean {
  const id = erasureEventId(customerId);
  return events.some((event) => event.type === ERASED_EVENT_TYPE && event.id === id);
}

const erased = new WeakMap<EventStore, Set<string>>();

export async function isCustomerErased(store: EventStore, customerId: string): Promise<boolean> {
  let known = erased.get(store);
  if (known?.has(customerId)) return true;
  const events = await readWholeStream(store, customerStream(customerId));
  if (!holdsErasureRecord(events, customerId)) return false;
  if (known === undefined) {
    known = new Set();
    erased.set(store, known);
  }
  known.add(customerId);
  return true;
}
