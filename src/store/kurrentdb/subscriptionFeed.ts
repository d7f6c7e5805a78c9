import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import { START, excludeSystemEvents } from '@kurrent/kurrentdb-client';
import type { LogPosition } from './positions.js';

export type FeedItem =
  | { readonly kind: 'event'; readonly resolved: AllStreamResolvedEvent }
  | { readonly kind: 'caughtUp' }
  | { readonly kind: 'fellBehind' };

/**
 * One `$all` catch-up subscription as a pull queue: events in order, with the client's
 * `caughtUp` / `fellBehind` signals placed where they happened in the event sequence.
 *
 * The client emits those signals as stream events while earlier events may still sit in its
 * readable buffer, so each signal is held back until that many more events have come out.
 * The subscription is paused while the queue is long, which pushes back on the server through
 * gRPC flow control instead of buffering a whole catch-up in memory.
 */
export interface SubscriptionFeed {
  /** Resolves when an item is queued, the feed ends or fails, or `signal` aborts. */
  next(signal: AbortSignal): Promise<FeedItem | undefined>;
  /** Items already queued (lets the caller fill a batch without waiting). */
  readonly queued: number;
  close(): Promise<void>;
}

export function openSubscriptionFeed(
  client: KurrentDBClient,
  from: LogPosition | undefined,
  highWater: number,
): SubscriptionFeed {
  const subscription: AllStreamSubscription = client.subscribeToAll({
    fromPosition: from ?? START,
    filter: excludeSystemEvents(),
  });
  const queue: FeedItem[] = [];
  const heldSignals: { remaining: number; item: FeedItem }[] = [];
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;

  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const hold = (item: FeedItem) => {
    const remaining = Math.max(subscription.readableLength, heldSignals.at(-1)?.remaining ?? 0);
    if (remaining === 0) queue.push(item);
    else heldSignals.push({ remaining, item });
    notify();
  };

  subscription.on('data', (resolved: AllStreamResolvedEvent) => {
    queue.push({ kind: 'event', resolved });
    for (const held of heldSignals) held.remaining -= 1;
    while (heldSignals[0] && heldSignals[0].remaining <= 0) queue.push(heldSignals.shift()!.item);
    if (queue.length >= highWater) subscription.pause();
    notify();
  });
  subscription.on('caughtUp', () => hold({ kind: 'caughtUp' }));
  subscription.on('fellBehind', () => hold({ kind: 'fellBehind' }));
  subscription.on('error', (error: unknown) => {
    failure ??= error;
    notify();
  });
  subscription.on('end', () => {
    ended = true;
    notify();
  });

  return {
    get queued() {
      return queue.length;
    },
    async next(signal) {
      while (queue.length === 0 && failure === undefined && !ended && !signal.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener('abort', notify, { once: true });
        });
        signal.removeEventListener('abort', notify);
      }
      const item = queue.shift();
      if (queue.length < highWater / 2 && subscription.isPaused()) subscription.resume();
      if (item) return item;
      if (failure !== undefined) {
        throw failure instanceof Error
          ? failure
          : new Error('KurrentDB subscription failed', { cause: failure });
      }
      return undefined;
    },
    async close() {
      subscription.removeAllListeners('data');
      // Errors after this point are the cancellation we asked for.
      subscription.on('error', () => undefined);
      try {
        await subscription.unsubscribe();
      } catch {
        // The call never started (e.g. no connection); nothing to cancel.
      }
      subscription.destroy();
    },
  };
}
