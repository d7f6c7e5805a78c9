/**
 * What a service sees while a rebuild runs: journeys keep arriving and queries keep being asked,
 * each loop yielding to the event loop between steps.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import type { EventStore } from '../../src/store/eventStore.js';
import { appendJourney } from './projectionEvents.js';

export interface LiveTraffic {
  /** Waits for `work` (the rebuild), then for the appends; resolves with the queries asked. */
  during<T>(work: Promise<T>): Promise<{ readonly result: T; readonly asked: number }>;
}

/** Appends journeys `from` to `to - 1` and calls `ask` until both they and the work are done. */
export function startLiveTraffic(
  store: EventStore,
  journeys: { readonly from: number; readonly to: number },
  ask: () => void,
): LiveTraffic {
  let appending = true;
  let working = true;
  let asked = 0;
  const appender = (async () => {
    for (let n = journeys.from; n < journeys.to; n++) {
      await appendJourney(store, n);
      await nextTick();
    }
    appending = false;
  })();
  const asker = (async () => {
    while (working || appending) {
      ask();
      asked += 1;
      await nextTick();
    }
  })();
  return {
    async during(work) {
      try {
        const result = await work;
        working = false;
        await Promise.all([appender, asker]);
        return { result, asked };
      } finally {
        working = false;
      }
    },
  };
}
