/**
 * Page-by-page readers of the log, for exports and feeds that must not load the log into memory:
 * each page is read only when the consumer asks for it, so a slow client holds back the reads.
 */
import type { EventStore, Position, RecordedEvent } from '../store/eventStore.js';

export interface LogPagesOptions {
  /** Exclusive start; omitted = from the start of the log. */
  readonly after?: Position;
  /** Inclusive end, usually the head when the export began; omitted = until a page comes back empty. */
  readonly until?: Position;
  readonly pageSize?: number;
}

/** The global log in commit order, one page at a time. */
export async function* readLogPages(
  store: EventStore,
  options: LogPagesOptions = {},
): AsyncGenerator<RecordedEvent[]> {
  const { until, pageSize = 500 } = options;
  let after = options.after;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    const kept = until === undefined ? page : page.filter((event) => event.position <= until);
    if (kept.length > 0) yield kept;
    if (kept.length < page.length || page.length < pageSize || page.length === 0) return;
    after = page.at(-1)!.position;
  }
}

/** One stream from a revision on (inclusive), one page at a time. */
export async function* readStreamPages(
  store: EventStore,
  streamName: string,
  options: { readonly fromRevision?: bigint; readonly pageSize?: number } = {},
): AsyncGenerator<RecordedEvent[]> {
  const { pageSize = 500 } = options;
  let fromRevision = options.fromRevision ?? 0n;
  for (;;) {
    const page = await store.readStream(streamName, { fromRevision, maxCount: pageSize });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    fromRevision = page.at(-1)!.revision + 1n;
  }
}
