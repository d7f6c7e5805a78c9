/**
 * Whether a customer has been erased: its stream holds the erasure record
 * (`ledger.customer-erased`, written only by the erasure protocol, src/retention/). Everything
 * that would call ComPilot about a customer (enrichment, `rebuild --refetch`, reconciliation)
 * asks first: an erased customer is never fetched again, so no new details snapshot brings its
 * personal data back. Erasure is final, so a positive answer is remembered.
 */
import { customerStream } from '../events/streams.js';
import { ERASED_EVENT_TYPE } from '../events/retentionEvents.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';

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
