/**
 * bench:rebuild's ceiling: the scan plus every projection's keyOf/evolve into in-memory maps,
 * nothing written, against which the real rebuild is read. Separate from the measure child
 * (rebuildMeasure.ts) because it models the least work the projections imply rather than
 * timing the rebuild's own code.
 */
import { projections } from '../projections/index.js';
import type { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { timedScan, type TimedPass } from './timedScan.js';

/**
 * The scan plus every projection's keyOf/evolve, documents kept in maps (a document keyed as
 * new, one per observation, is dropped once evolved: the rebuild writes those out), nothing
 * encoded or written. What one thread cannot beat with these projections, whatever the storage.
 */
export async function fold(
  store: ReturnType<typeof openSqliteEventStore>,
  pageSize: number,
): Promise<TimedPass> {
  const states = projections.map(() => new Map<string, unknown>());
  const handled = projections.map((projection) => new Set(projection.handles));
  return timedScan(store, pageSize, (page) => {
    // Event by event across the projections, as the rebuild stages (target.ts, stageAll): each
    // event's body is parsed once and dies young. A state this fold stored is its own, so it is
    // evolved in place where the projection can (evolveOwned), as the rebuild does.
    for (const event of page) {
      for (let index = 0; index < projections.length; index++) {
        if (!handled[index]!.has(event.type)) continue;
        const projection = projections[index]!;
        const docs = states[index]!;
        try {
          const key = projection.keyOf(event);
          if (key === undefined) continue;
          const state = docs.get(key);
          const next =
            state !== undefined && projection.evolveOwned !== undefined
              ? projection.evolveOwned(state, event)
              : projection.evolve(state, event);
          if (projection.isNewKey?.(key, event) === true) continue;
          docs.set(key, next);
        } catch {
          // Poison: the rebuild records it; the ceiling only needs the cost.
        }
      }
    }
  });
}
