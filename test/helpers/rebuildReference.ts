/**
 * What the rebuild tests in test/projector/ compare against: every production projection plus
 * the event-counting one (which shows an event applied twice), rebuilt from scratch into a
 * read model of its own.
 */
import { join } from 'node:path';
import { projections } from '../../projections/index.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { appendJourney } from './projectionEvents.js';
import { countingProjection, createHarness, dumpReadModel, silent } from './projectionHarness.js';

export const all = [...projections, countingProjection()];

/** A read model built from scratch over the same log: what any rebuild must equal. */
export async function reference(store: EventStore, dir: string) {
  const db = openReadModel(join(dir, 'reference.db'));
  const result = await rebuildProjections(all, { store, db, logger: silent, batchSize: 1000 });
  const dump = dumpReadModel(db, all);
  db.close();
  return { dump, eventsRead: result.eventsRead };
}

/** A harness holding `count` customer journeys, and what a fresh build makes of them. */
export async function journeysWithReference(t: Parameters<typeof createHarness>[0], count: number) {
  const h = createHarness(t);
  for (let n = 0; n < count; n++) await appendJourney(h.store, n);
  return { h, expected: await reference(h.store, h.dir) };
}
