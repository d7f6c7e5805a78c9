/**
 * Which alert streams hold events about a customer: every alert webhook whose body names the
 * customer (`payload.customerId`, the rule encryption at rest encrypts alerts by). Read from the
 * log itself, not the alerts read model, so an alert the projection has not applied yet is not
 * missed, and its events are listed in the erasure record like the customer's own.
 */
import { streamCategory, streamEntityId } from '../events/streams.js';
import type { EventStore } from '../store/eventStore.js';
import { readLogPages } from '../store/logPages.js';
import { isErasedEvent } from '../events/erasedEvent.js';

export async function alertIdsByCustomer(
  store: EventStore,
  customerIds: ReadonlySet<string>,
): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>();
  for await (const page of readLogPages(store, { pageSize: 1000 })) {
    for (const event of page) {
      if (streamCategory(event.streamName) !== 'alert' || isErasedEvent(event)) continue;
      if (!event.type.startsWith('alert.')) continue;
      const customerId = customerNamed(event.data);
      if (customerId === undefined || !customerIds.has(customerId)) continue;
      const set = found.get(customerId) ?? new Set<string>();
      set.add(streamEntityId(event.streamName));
      found.set(customerId, set);
    }
  }
  return new Map([...found].map(([customerId, ids]) => [customerId, [...ids].sort()]));
}

function customerNamed(data: Buffer): string | undefined {
  try {
    const body = JSON.parse(data.toString('utf8')) as { payload?: { customerId?: unknown } };
    const id = body?.payload?.customerId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
