import t from 'tap';
import { readLogPages, readStreamPages } from '../../src/store/logPages.js';
import type { EventStore, ReadAllOptions, ReadStreamOptions } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';

/** The real store, with every read's maxCount recorded. */
function recordingReads(store: EventStore, counts: number[]): EventStore {
  return {
    ...store,
    readAll: (options?: ReadAllOptions) => {
      counts.push(options?.maxCount ?? 1000);
      return store.readAll(options);
    },
    readStream: (name: string, options?: ReadStreamOptions) => {
      counts.push(options?.maxCount ?? 1000);
      return store.readStream(name, options);
    },
  };
}

void t.test(
  'store reads shrink to the byte budget and still return every event once',
  async (t) => {
    const store = openSqliteEventStore({ path: `${t.testdir()}/events.db` });
    t.teardown(() => store.close());
    const sizes = [...Array<number>(30).fill(100), ...Array<number>(60).fill(200_000), 100];
    for (const [i, size] of sizes.entries()) {
      await store.appendToStream('s-1', [
        { id: crypto.randomUUID(), type: 't', data: Buffer.alloc(size, 120), metadata: { i } },
      ]);
    }

    const counts: number[] = [];
    const reader = recordingReads(store, counts);
    const seen: number[] = [];
    let largestPage = 0;
    for await (const page of readStreamPages(reader, 's-1', { maxPageBytes: 1_000_000 })) {
      largestPage = Math.max(
        largestPage,
        page.reduce((sum, e) => sum + e.data.length, 0),
      );
      seen.push(...page.map((e) => e.metadata.i as number));
    }
    t.same(
      seen,
      sizes.map((_, i) => i),
      'the whole stream, in order, once',
    );
    // Small events are read many at a time; once 200 kB ones come, about 1 MB worth per read.
    t.ok(
      counts.some((c) => c > 16),
      `reads grew for small events (${counts.join(',')})`,
    );
    // Reads at most double, so the switch to large events overshoots by at most 2 x 16 of them.
    t.ok(largestPage <= 32 * 200_000, `largest page ${largestPage} bytes`);
    t.ok(
      counts.slice(-3).every((c) => c <= 5),
      'reads of large events ask for a few',
    );

    const logCounts: number[] = [];
    const logSeen: number[] = [];
    for await (const page of readLogPages(recordingReads(store, logCounts), {
      maxPageBytes: 1_000_000,
    })) {
      logSeen.push(...page.map((e) => e.metadata.i as number));
    }
    t.same(logSeen, seen, 'the log the same way');
    t.ok(
      logCounts.slice(-3).every((c) => c <= 6),
      logCounts.join(','),
    );
  },
);
