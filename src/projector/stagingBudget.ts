/**
 * The memory bound of a rebuild (REBUILD_MEMORY_MB). A rebuild keeps every document it evolves
 * in memory and writes it once, when the build reaches the head, instead of once per batch; a
 * log with more customers than fit is written out ("spilled") whenever the staged documents
 * would exceed the budget, and the build goes on reading the spilled ones back as needed.
 *
 * The size of the staged documents is estimated, not read from the heap: the heap in use also
 * counts garbage not yet collected, which would spill at random moments. Each projection's
 * average document size is sampled (the JSON length of a few staged states, times what V8
 * needs to hold such an object), so the same log spills at the same events every time.
 */
import type { Pending, Target } from './target.js';

/**
 * Bytes V8 holds per byte of a state's JSON. Measured on the bench log (live heap after a full GC
 * against this estimate): about one, since hidden classes share the key names JSON repeats and
 * many strings are shared with the parsed event bodies.
 */
const OBJECT_FACTOR = 1;
/** Per staged document: the map entry, its key, the before/state pair. */
const ENTRY_BYTES = 96;
/** States sampled per estimate. */
const SAMPLE = 24;

export interface StagingBudget {
  /** True when the documents staged in `pending` are estimated above the budget. */
  exceeded(pending: ReadonlyMap<Target, Pending>): boolean;
  /** The estimate of the last check, in bytes (for logs and tests). */
  readonly estimatedBytes: number;
}

export function createStagingBudget(budgetMb: number): StagingBudget {
  const budget = budgetMb * 2 ** 20;
  // Per projection: bytes per staged document, and the staged count it was sampled at.
  const samples = new Map<string, { bytes: number; at: number }>();
  let estimatedBytes = 0;
  const bytesPerDocument = (target: Target, staged: Pending): number => {
    const name = target.projection.name;
    const known = samples.get(name);
    const size = staged.touched.size;
    // Sampled again whenever the staged set has doubled: documents grow as events arrive.
    if (known !== undefined && size < known.at * 2) return known.bytes;
    let json = 0;
    let count = 0;
    for (const { state } of staged.touched.values()) {
      if (count === SAMPLE) break;
      if (state === undefined) continue;
      json += JSON.stringify(state).length;
      count += 1;
    }
    const bytes = ENTRY_BYTES + (count === 0 ? 0 : (json / count) * OBJECT_FACTOR);
    samples.set(name, { bytes, at: Math.max(size, 1) });
    return bytes;
  };
  return {
    exceeded(pending) {
      let total = 0;
      for (const [target, staged] of pending) {
        if (staged.touched.size > 0)
          total += staged.touched.size * bytesPerDocument(target, staged);
      }
      estimatedBytes = total;
      return total > budget;
    },
    get estimatedBytes() {
      return estimatedBytes;
    },
  };
}
