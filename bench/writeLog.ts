/** Writes the synthetic log (bench/rebuildLog.ts) into a new SQLite event store at `path`. */
import type { EventStore } from '../src/store/eventStore.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { syntheticLog } from './rebuildLog.js';

/**
 * `wrap` puts a decorator around the store (encryption at rest: the same deterministic log,
 * stored encrypted).
 */
export async function writeSyntheticLog(
  path: string,
  events: number,
  customers: number,
  wrap: (store: EventStore) => EventStore = (store) => store,
): Promise<void> {
  const store = wrap(openSqliteEventStore({ path, maxBatchSize: 5000 }));
  const inFlight = new Set<Promise<unknown>>();
  for (const { stream, event } of syntheticLog({ events, customers })) {
    const append: Promise<unknown> = store.appendToStream(stream, [event]).then(() => {
      inFlight.delete(append);
    });
    inFlight.add(append);
    if (inFlight.size >= 5000) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await store.close();
}
