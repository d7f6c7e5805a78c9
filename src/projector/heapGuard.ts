/**
 * Keeps a build's heap near its live set. A build stages documents for tens of thousands of
 * events before their customers come back, so most of what an event adds to a staged state is
 * promoted to V8's old generation and dies there; V8 lets that garbage grow to three or four
 * times the live set before it collects. On the 5,000,000-event bench log the live heap was
 * 140-210 MB and the process peaked at 1,318 MB; with a full collection whenever the heap in
 * use passes {@link heapLimitMb} (a few per million events, ~0.2 s each) it stayed near 730 MB
 * at no measurable cost in rate (docs/projections.md, Memory).
 *
 * V8 only collects on request when `gc` is exposed; the flag is set at run time and the
 * function taken from a fresh context, as jest's leak detector does, so the service and the
 * CLI need no command-line flag.
 *
 * Between collections V8 sizes the heap itself: after each full collection it lets the heap
 * grow to the live set times a factor it picks from its own speed, up to 4, and what it has
 * committed it keeps. On the encrypted 5,000,000-event bench log that reserved 600-700 MB of
 * heap for a live set of 240-300 MB, and the process peaked at 1,097-1,108 MB. So the guard
 * collects from three times the budget (not four), and its first collection, which marks a
 * large build, also fixes V8's factor at 1 + {@link HEAP_GROWING_PERCENT} % (V8's
 * `--heap-growing-percent`, set at run time as well): 959 MB, at the same rate. Builds that
 * never reach the limit keep V8's own sizing; fixing the factor from their start cost the
 * 1,000,000-event build 10-15 % of its rate (docs/performance.md). The flag is the process's:
 * it is set back when the build ends, so that what the process does next is not slowed.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The heap (in use, garbage included) above which a build asks for a full collection. */
export function heapLimitMb(memoryBudgetMb: number): number {
  return Math.max(256, 3 * memoryBudgetMb);
}

export interface HeapGuard {
  /** Collects if the heap in use is above the limit; call between pages. */
  check(): void;
  /** Full collections asked for so far. */
  readonly collections: number;
  /** The limit in bytes (raised when the live set itself is near it). */
  readonly limitBytes: number;
  /** The build is over: V8 sizes the heap itself again. */
  release(): void;
}

/**
 * The heap in use, as `process.memoryUsage().heapUsed` says it, without the resident-set size
 * that call also reads from /proc on every page of a build (~0.2 s of a 1,000,000-event one).
 */
function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}

/** The heap may grow to its live set plus this share between full collections, during builds. */
export const HEAP_GROWING_PERCENT = 50;

export function createHeapGuard(
  limitMb: number,
  onRaised?: (limitMb: number) => void,
  setFlags: (flags: string) => void = setFlagsFromString,
): HeapGuard {
  let limit = limitMb * 2 ** 20;
  let collect: (() => void) | undefined;
  let collections = 0;
  return {
    check() {
      if (heapUsed() <= limit) return;
      collect ??= exposedGc();
      collect();
      collections += 1;
      if (collections === 1) setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      // Little was garbage: the live set is near the limit, and collecting at every page would
      // only burn time. Leave it room instead (the staging budget is what bounds the live set).
      const live = heapUsed();
      if (live > limit * 0.75) {
        limit = Math.ceil(live * 1.5);
        onRaised?.(Math.round(limit / 2 ** 20));
      }
    },
    get collections() {
      return collections;
    },
    get limitBytes() {
      return limit;
    },
    release() {
      // 0 is V8's default: its own factor. The flag is the process's, so a build that ends
      // while another thread's build still runs hands that one V8's sizing back early: it
      // then takes more memory, never fails.
      if (collections > 0) setFlags('--heap-growing-percent=0');
    },
  };
}

function exposedGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
