import {
  EventStoreError,
  StoreUnavailableError,
  type Position,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionBatch,
} from '../eventStore.js';
import type { ChangeFeed } from './changeFeed.js';
import { checkMaxCount } from '../rules.js';

/** What a subscription needs from an embedded store; reads are synchronous. */
export interface LogSource {
  head(): Position | undefined;
  readPage(after: Position | undefined, maxCount: number): RecordedEvent[];
  readonly changes: ChangeFeed;
  isClosed(): boolean;
}

/**
 * Catch-up then live over an embedded log. Pages until a page reaches the head, reports
 * `caughtUp` (with an empty batch when there was nothing to catch up on), then sleeps on the
 * change feed until a commit, so an idle subscription costs nothing.
 * Ends when the signal aborts; throws {@link StoreUnavailableError} if the store closes under it.
 */
export async function* followLog(
  source: LogSource,
  options: SubscribeOptions,
): AsyncGenerator<SubscriptionBatch, void, undefined> {
  const { signal } = options;
  const batchSize = checkMaxCount(options.batchSize, 1000);
  if (batchSize === 0) throw new EventStoreError('batchSize must be at least 1');
  let after = options.after;
  let reportedCaughtUp = false;
  while (!signal.aborted) {
    if (source.isClosed()) throw new StoreUnavailableError('event store closed');
    const version = source.changes.version;
    // The head is read before the page: a page ending at or past it reached the head as it was.
    const head = source.head();
    const events = source.readPage(after, batchSize);
    const last = events.at(-1);
    if (last) {
      after = last.position;
      reportedCaughtUp = head === undefined || last.position >= head;
      yield { events, caughtUp: reportedCaughtUp };
    } else if (!reportedCaughtUp) {
      reportedCaughtUp = true;
      yield { events: [], caughtUp: true };
    } else {
      await source.changes.wait(version, signal);
    }
  }
}
