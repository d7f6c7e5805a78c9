/**
 * Page-by-page readers of the log, for exports and feeds that must not load the log into memory:
 * each page is read only when the consumer asks for it, so a slow client holds back the reads.
 *
 * Pages are bounded in bytes as well as in count: the store reads by count only, so each read
 * asks for as many events as the bytes of the events read so far suggest fit in `maxPageBytes`
 * (starting small). A page of 1 MiB deliveries is then a handful of events, not `pageSize` MiB.
 */
import type { EventStore, Position, RecordedEvent } from './eventStore.js';

/** Bytes one read of the store aims to stay under (bodies plus metadata). */
export const DEFAULT_READ_PAGE_BYTES = 2 * 1024 * 1024;
/** Events asked for by the first read, before any size is known. */
const FIRST_READ = 8;

export interface LogPagesOptions {
  /** Exclusive start; omitted = from the start of the log. */
  readonly after?: Position;
  /** Inclusive end, usually the head when the export began; omitted = until a page comes back empty. */
  readonly until?: Position;
  /** Most events per page. @defaultValue 500 */
  readonly pageSize?: number;
  /** Bytes a page aims to stay under (at least one event per page). @defaultValue 2 MiB */
  readonly maxPageBytes?: number;
}

/** The global log in commit order, one page at a time. */
export async function* readLogPages(
  store: EventStore,
  options: LogPagesOptions = {},
): AsyncGenerator<RecordedEvent[]> {
  const { until } = options;
  const sizer = pageSizer(options.pageSize ?? 500, options.maxPageBytes);
  let after = options.after;
  for (;;) {
    const maxCount = sizer.next();
    const page = await store.readAll({ after, maxCount });
    sizer.observe(page);
    const kept = until === undefined ? page : page.filter((event) => event.position <= until);
    if (kept.length > 0) yield kept;
    if (kept.length < page.length || page.length < maxCount || page.length === 0) return;
    after = page.at(-1)!.position;
  }
}

/** One stream from a revision on (inclusive), one page at a time. */
export async function* readStreamPages(
  store: EventStore,
  streamName: string,
  options: {
    readonly fromRevision?: bigint;
    readonly pageSize?: number;
    readonly maxPageBytes?: number;
  } = {},
): AsyncGenerator<RecordedEvent[]> {
  const sizer = pageSizer(options.pageSize ?? 500, options.maxPageBytes);
  let fromRevision = options.fromRevision ?? 0n;
  for (;;) {
    const maxCount = sizer.next();
    const page = await store.readStream(streamName, { fromRevision, maxCount });
    sizer.observe(page);
    if (page.length > 0) yield page;
    if (page.length < maxCount) return;
    fromRevision = page.at(-1)!.revision + 1n;
  }
}

/** Approximate bytes an event holds in memory: its body plus its metadata. */
export function eventBytes(event: RecordedEvent): number {
  return event.data.length + 256 + JSON.stringify(event.metadata).length;
}

/**
 * How many events to ask for next, from the average size of the events read so far and of the
 * last page (whichever is larger, so a run of large events shrinks the next read at once). A
 * read asks for at most twice as many as the last one: the store reads by count, so when small
 * events give way to large ones the overshoot stays within twice the last read.
 */
function pageSizer(pageSize: number, maxPageBytes = DEFAULT_READ_PAGE_BYTES) {
  let events = 0;
  let bytes = 0;
  let lastAverage = 0;
  let lastCount = FIRST_READ;
  return {
    next(): number {
      if (events === 0) return Math.min(pageSize, FIRST_READ);
      const average = Math.max(1, bytes / events, lastAverage);
      const fitting = Math.floor(maxPageBytes / average);
      lastCount = Math.max(1, Math.min(pageSize, fitting, lastCount * 2));
      return lastCount;
    },
    observe(page: readonly RecordedEvent[]): void {
      let pageBytes = 0;
      for (const event of page) pageBytes += eventBytes(event);
      events += page.length;
      bytes += pageBytes;
      if (page.length > 0) lastAverage = pageBytes / page.length;
    },
  };
}
