import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { Logger } from '../../lib/logger.js';
import { sleep } from '../../lib/sleep.js';
import type { RecordedEvent, SubscribeOptions, SubscriptionBatch } from '../eventStore.js';
import { translateError } from './kurrentErrors.js';
import { isSystemEvent, toRecordedEvent } from './kurrentEvents.js';
import type { LogPosition } from './positions.js';
import { comparePositions, decodePosition } from './positions.js';
import { openSubscriptionFeed } from './subscriptionFeed.js';

export interface ResubscribeBackoff {
  /** @defaultValue 100 */
  readonly initialMs?: number;
  /** @defaultValue 5000 */
  readonly maxMs?: number;
}

export interface SubscribeDeps {
  readonly client: KurrentDBClient;
  /** Aborted when the store closes; ends every subscription. */
  readonly closed: AbortSignal;
  readonly backoff?: ResubscribeBackoff;
  readonly logger?: Logger;
}

/**
 * Follows `$all` from a position: catch-up, then live, in batches. A dropped subscription (server
 * restart, leader change, slow-consumer drop) is reopened after a backoff from the last position
 * handed to the consumer, so nothing is skipped or repeated; only the abort signal ends it.
 * `caughtUp` comes from the server's caught-up signal (KurrentDB 23.10 and later).
 */
export async function* subscribeAll(
  deps: SubscribeDeps,
  options: SubscribeOptions,
): AsyncGenerator<SubscriptionBatch, void, undefined> {
  const signal = AbortSignal.any([options.signal, deps.closed]);
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const initialMs = deps.backoff?.initialMs ?? 100;
  const maxMs = deps.backoff?.maxMs ?? 5000;
  let last: LogPosition | undefined = options.after ? decodePosition(options.after) : undefined;
  let delay = initialMs;
  let reportedCaughtUp = false;

  while (!signal.aborted) {
    const feed = openSubscriptionFeed(deps.client, last, batchSize * 2);
    let live = false;
    try {
      while (!signal.aborted) {
        const events: RecordedEvent[] = [];
        let becameLive = false;
        let seen = last;
        let item = await feed.next(signal);
        if (!item || signal.aborted) break;
        // Take what is already queued, up to a batch, stopping at each caught-up signal.
        for (;;) {
          if (item.kind === 'caughtUp') {
            becameLive = !live;
            live = true;
          } else if (item.kind === 'fellBehind') {
            live = false;
          } else if (item.resolved.event) {
            const position = item.resolved.event.position;
            // After a resubscribe the server may replay the boundary event; skip what was seen.
            if (!seen || comparePositions(position, seen) > 0) {
              seen = position;
              if (!isSystemEvent(item.resolved)) events.push(toRecordedEvent(item.resolved));
            }
          }
          if (becameLive || events.length >= batchSize || feed.queued === 0) break;
          item = (await feed.next(signal))!;
        }
        last = seen;
        const caughtUp = live && feed.queued === 0;
        if (events.length === 0 && !(becameLive && !reportedCaughtUp)) continue;
        reportedCaughtUp = caughtUp;
        delay = initialMs;
        yield { events, caughtUp };
      }
    } catch (error) {
      if (signal.aborted) break;
      deps.logger?.warn(
        { err: translateError(error, 'subscription to $all'), retryInMs: delay },
        'KurrentDB subscription dropped; resubscribing',
      );
    } finally {
      await feed.close();
    }
    if (signal.aborted) break;
    await sleep(delay, signal);
    delay = Math.min(delay * 2, maxMs);
  }
}
