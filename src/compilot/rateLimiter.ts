/**
 * Client-side rate limit and concurrency cap for the ComPilot API.
 *
 * Each limit is a bucket of `count` tokens per `windowMs`. A request takes a token when it starts
 * and the token comes back one full window after the request *finished*. A classic token bucket
 * that refills continuously lets up to 2×count requests through in one window (a full bucket,
 * then the refill), and the server counts arrivals in windows we cannot see; returning the token
 * a window after completion guarantees that no window of `windowMs`, measured anywhere (at the
 * server too, whatever the network delay), sees more than `count` requests.
 */

export interface RateLimit {
  readonly count: number;
  readonly windowMs: number;
}

export interface RateLimiterOptions {
  readonly limits: readonly RateLimit[];
  readonly maxConcurrency: number;
  /** Monotonic milliseconds. @defaultValue performance.now */
  readonly now?: () => number;
}

export type Release = () => void;

export interface RateLimiter {
  /**
   * Waits (first come, first served) until a request may start, then returns the function to
   * call once it has finished. Rejects with the signal's reason if the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** Requests started and not yet released. */
  readonly inFlight: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  readonly resolve: (release: Release) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? (() => performance.now());
  for (const limit of options.limits) {
    if (!(limit.count >= 1) || !(limit.windowMs > 0)) {
      throw new RangeError('rate limits need a count of at least 1 and a positive window');
    }
  }
  if (!(options.maxConcurrency >= 1)) throw new RangeError('maxConcurrency must be at least 1');
  const longestWindow = Math.max(0, ...options.limits.map((limit) => limit.windowMs));
  const queue: Waiter[] = [];
  /** Completion times still inside the longest window, oldest first. */
  const completions: number[] = [];
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;

  /** 0 when a request may start now, Infinity when only a release can free a slot. */
  function waitMs(at: number): number {
    if (inFlight >= options.maxConcurrency) return Infinity;
    while (completions.length > 0 && completions[0]! <= at - longestWindow) completions.shift();
    let wait = 0;
    for (const limit of options.limits) {
      const firstInWindow = completions.findIndex((t) => t > at - limit.windowMs);
      const recent = firstInWindow < 0 ? 0 : completions.length - firstInWindow;
      const excess = inFlight + recent - limit.count + 1;
      if (excess <= 0) continue;
      if (excess > recent) return Infinity;
      wait = Math.max(wait, completions[firstInWindow + excess - 1]! + limit.windowMs - at);
    }
    return wait;
  }

  function pump(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0) {
      const wait = waitMs(now());
      if (wait === Infinity) return;
      if (wait > 0) {
        timer = setTimeout(pump, Math.ceil(wait));
        return;
      }
      const waiter = queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      inFlight += 1;
      waiter.resolve(releaser());
    }
  }

  function releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      completions.push(now());
      pump();
    };
  }

  return {
    acquire(signal) {
      return new Promise<Release>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortError(signal));
          return;
        }
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const index = queue.indexOf(waiter);
            if (index >= 0) queue.splice(index, 1);
            reject(abortError(signal!));
            pump();
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
        pump();
      });
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return queue.length;
    },
  };
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}
