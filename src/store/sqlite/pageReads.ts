/**
 * Reading a page of the log with the events' bytes fetched in one piece. better-sqlite3 gives
 * each BLOB it returns a backing store of its own (~1.6 µs an event on the benchmark machine,
 * more than everything else in the row together, and garbage the collector has to finalise one
 * by one). Here the page's rows come without their bytes, the bytes of the same rows come as one
 * BLOB (`group_concat` over them in position order), and each event gets a copy of its slice
 * from Node's buffer pool: the same bytes in a buffer of its own, as before, for about a third
 * of the cost. `bench:store` and `bench:rebuild` measure it (docs/performance.md).
 *
 * A reader that replaces every event's bytes (the decrypting store, whose events become their
 * plaintext) asks for `sharedData`: its events then hold views into the page's one BLOB, and
 * the pack for its decrypt thread copies the span they lie in once (src/privacy/eventPack.ts),
 * instead of each envelope being copied here and again there.
 */
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../eventStore.js';
import { recordedWith, type SizedEventRow } from './eventRows.js';

/** A page whose bytes add up to more than this is read row by row (bounds the one BLOB). */
export const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Smaller pages are read row by row: the second statement would cost more than it saves. */
export const MIN_PAGE_EVENTS = 32;

const COLUMNS_WITHOUT_DATA =
  'position, stream, revision, id, type, octet_length(data), metadata, recorded_at, link, data_sha256';

export type ReadPage = (
  afterSequence: number,
  maxCount: number,
  sharedData?: boolean,
) => RecordedEvent[];

export function preparePageReads(
  db: Database.Database,
  rowByRow: (afterSequence: number, maxCount: number) => RecordedEvent[],
  maxPageBytes = MAX_PAGE_BYTES,
): ReadPage {
  const rows = db
    .prepare<[number, number], SizedEventRow>(
      `SELECT ${COLUMNS_WITHOUT_DATA} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    )
    .raw();
  // The subquery fixes the order group_concat sees; the empty separator is a BLOB, so the
  // result holds the events' bytes back to back, whatever they contain.
  const bytes = db
    .prepare<[number, number], Buffer | null>(
      `SELECT CAST(group_concat(data, x'') AS BLOB)
       FROM (SELECT data FROM events WHERE position > ? AND position <= ? ORDER BY position)`,
    )
    .pluck();
  // One read transaction for both statements: the bytes are those of the rows just read.
  const read = db.transaction((afterSequence: number, maxCount: number, shared: boolean) => {
    const page = rows.all(afterSequence, maxCount);
    if (page.length === 0) return [];
    let total = 0;
    for (const row of page) total += row[5];
    if (total > maxPageBytes) return undefined;
    const blob = total === 0 ? Buffer.alloc(0) : bytes.get(afterSequence, page.at(-1)![0]);
    if (blob === null || blob === undefined || blob.length !== total) return undefined;
    let at = 0;
    return page.map((row) => {
      const view = blob.subarray(at, at + row[5]);
      const data = shared ? view : Buffer.from(view);
      at += row[5];
      return recordedWith(row, data);
    });
  });
  return (afterSequence, maxCount, sharedData = false) => {
    if (maxCount < MIN_PAGE_EVENTS) return rowByRow(afterSequence, maxCount);
    return read(afterSequence, maxCount, sharedData) ?? rowByRow(afterSequence, maxCount);
  };
}
