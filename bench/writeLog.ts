/** Writes the synthetic log (bench/rebuildLog.ts) into a new SQLite event store at `path`. */
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { syntheticLog } from './rebuildLog.js';

export async function writeSyntheticLog(
  path: string,
  events: number,
  customers: number,
): Promise<void> {
  const store = openSqliteEventStore({ path, maxBatchSize: 5000 });
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
