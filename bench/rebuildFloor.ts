/**
 * bench:rebuild's floor: the least a rebuild of these read models costs, whatever its design.
 * Every projection reads the events' bodies, and the KYC history alone keeps a row for about
 * nine events in ten, so any design reads the log, parses every body and writes about a row an
 * event. The floor does exactly that: the scan, `JSON.parse` of every body, and one bare row per
 * event (a few of its fields) written with a prepared statement, one transaction per page, into
 * a fresh read model (the same connection settings). No projection, no second table, no index
 * beyond the key. The rebuild's rate is read against it: what the floor leaves of the 30 % of
 * the raw scan is what the projections' rules and their other writes may cost (issue 12).
 */
import { openReadModel } from '../src/readmodel/readModelStore.js';
import type { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { removeDatabase } from './sqliteFiles.js';
import { timedScan, type TimedPass } from './timedScan.js';

type Row = [key: string, stream: string, type: string, doc: string];

/** Scans `store`, parsing every body and writing one row per event into a new file at `path`. */
export async function floor(
  store: ReturnType<typeof openSqliteEventStore>,
  pageSize: number,
  path: string,
): Promise<TimedPass> {
  removeDatabase(path);
  const db = openReadModel(path);
  try {
    db.exec(
      'CREATE TABLE floor_rows (k TEXT PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, doc TEXT NOT NULL)',
    );
    const insert = db.prepare<Row>('INSERT INTO floor_rows VALUES (?, ?, ?, ?)');
    const writePage = db.transaction((rows: readonly Row[]) => {
      for (const row of rows) insert.run(...row);
    });
    return await timedScan(store, pageSize, (page) => {
      const rows: Row[] = [];
      for (const event of page) {
        const body = JSON.parse(event.data.toString('utf8')) as Record<string, unknown>;
        // Webhooks carry their fields in `payload`, details snapshots at the top.
        const source = (body.payload ?? body) as Record<string, unknown>;
        const doc = JSON.stringify([
          source.status ?? null,
          source.riskScore ?? null,
          source.onboardingLevel ?? null,
          source.updatedAt ?? null,
          event.id,
          event.metadata.svixId ?? null,
        ]);
        rows.push([event.position, event.streamName, event.type, doc]);
      }
      writePage(rows);
    });
  } finally {
    db.close();
    removeDatabase(path);
  }
}
