/**
 * What only the SQLite file can tell verify (read-only queries): global positions run 1, 2, 3 ...
 * with no gap and none removed after the last (sqlite_sequence remembers the highest ever
 * assigned), and the `streams` table agrees with the events (a row per stream, at its head
 * revision and head link).
 * A deleted event or a deleted stream leaves a trace in one of these even when the triggers
 * that forbid deletes were dropped.
 */
import type Database from 'better-sqlite3';
import type { StoreInconsistency } from '../eventStore.js';
import { formatSequencePosition } from '../embedded/sequencePosition.js';

const LIMIT = 100;
/** How far back recorded_at may go between consecutive events: 5 minutes of clock skew. */
const RECORDED_AT_SKEW_DAYS = 5 / (24 * 60);

export function findInconsistencies(db: Database.Database): StoreInconsistency[] {
  const problems: StoreInconsistency[] = [];
  const gaps = db
    .prepare<[], { position: number; previous: number }>(
      `SELECT position, previous FROM (
         SELECT position, coalesce(lag(position) OVER (ORDER BY position), 0) AS previous
         FROM events)
       WHERE position != previous + 1 LIMIT ${LIMIT}`,
    )
    .all();
  for (const gap of gaps) {
    problems.push({
      position: formatSequencePosition(gap.position),
      message:
        `global positions jump from ${gap.previous} to ${gap.position}: ` +
        `${gap.position - gap.previous - 1} event(s) missing`,
    });
  }
  const highest = db.prepare('SELECT max(position) FROM events').pluck().get() as number | null;
  const sequence = db
    .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    .pluck()
    .get() as number | undefined;
  if (sequence !== undefined && sequence > (highest ?? 0)) {
    problems.push({
      position: formatSequencePosition(sequence),
      message:
        `positions up to ${sequence} were assigned but the log ends at ${highest ?? 0}: ` +
        `the last ${sequence - (highest ?? 0)} event(s) were deleted`,
    });
  }
  const rows = db
    .prepare<[], { stream: string; row: number | null; head: number | null }>(
      `SELECT s.stream AS stream, s.revision AS row, e.head AS head
         FROM streams s LEFT JOIN (SELECT stream, max(revision) AS head FROM events GROUP BY stream) e
           ON e.stream = s.stream
        WHERE e.head IS NULL OR e.head != s.revision
       UNION ALL
       SELECT e.stream, NULL, max(e.revision) FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.stream = e.stream)
        GROUP BY e.stream
       LIMIT ${LIMIT}`,
    )
    .all();
  for (const row of rows) {
    problems.push({
      streamName: row.stream,
      message:
        row.row === null
          ? `stream has events up to revision ${row.head} but no row in the streams table`
          : row.head === null
            ? `the streams table says revision ${row.row} but the stream has no events left`
            : `the streams table says revision ${row.row} but the last event is revision ${row.head}`,
    });
  }
  // recorded_at is the store's clock, not covered by links (queries use the times inside the
  // metadata); commits come in position order, so it only goes back by the clock skew between
  // writers (several instances, NTP steps): more than RECORDED_AT_SKEW is an edit.
  const backwards = db
    .prepare<[], { position: number; recordedAt: string; previous: string }>(
      `SELECT position, recorded_at AS recordedAt, previous FROM (
         SELECT position, recorded_at, lag(recorded_at) OVER (ORDER BY position) AS previous
         FROM events)
       WHERE julianday(recorded_at) < julianday(previous) - ${RECORDED_AT_SKEW_DAYS}
          OR strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at) IS NOT recorded_at
       LIMIT ${LIMIT}`,
    )
    .all();
  for (const row of backwards) {
    problems.push({
      position: formatSequencePosition(row.position),
      message: `recorded_at goes back in time by more than 5 minutes or is not a UTC time (${row.recordedAt} after ${row.previous})`,
    });
  }
  const heads = db
    .prepare<[], { stream: string; revision: number }>(
      `SELECT s.stream AS stream, s.revision AS revision
         FROM streams s JOIN events e ON e.stream = s.stream AND e.revision = s.revision
        WHERE e.link IS NOT NULL AND s.head_link IS NOT e.link
        LIMIT ${LIMIT}`,
    )
    .all();
  for (const head of heads) {
    problems.push({
      streamName: head.stream,
      message: `the streams table's head link differs from the link of revision ${head.revision}`,
    });
  }
  return problems;
}
