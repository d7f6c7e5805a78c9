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
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The heap (in use, garbage included) above which a build asks for a full collection. */
export function heapLimitMb(memoryBudgetMb: number): number {
  return Math.max(256, 4 * memoryBudgetMb);
}

export interface HeapGuard {
  /** Collects if the heap in use is above the limit; call between pages. */
  check(): void;
  /** Full collections asked for so far. */
  readonly collections: number;
  /** The limit in bytes (raised when the live set itself is near it). */
  readonly limitBytes: number;
}

export function createHeapGuard(limitMb: number, onRaised?: (limitMb: number) => void): HeapGuard {
  let limit = limitMb * 2 ** 20;
  let collect: (() => void) | undefined;
  let collections = 0;
  return {
    check() {
      if (process.memoryUsage().heapUsed <= limit) return;
      collect ??= exposedGc();
      collect();
      collections += 1;
      // Little was garbage: the live set is near the limit, and collecting at every page would
      // only burn time. Leave it room instead (the staging budget is what bounds the live set).
      const live = process.memoryUsage().heapUsed;
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
  };
}

function exposedGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
