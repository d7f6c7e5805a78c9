/**
 * `npm run bench:ledger-backfill [-- EVENTS]`: how long the one-time pass over a store written
 * before the ledger takes (README "The embedded event store"). Builds a SQLite store of EVENTS
 * (default 1,000,000) linkless events, ~1 KB bodies, 20 per stream, then times, in one run:
 * (a) the baseline, a plain scan of every event in (stream, revision) order; (b0) building the
 * events(id) index migration 2 adds; (b) the head-link
 * pass of schema migration 2 (src/store/sqlite/headLinks.ts: hashes every event and chains it);
 * (c) the after-the-fact record (src/ledger/backfill.ts: a readAll scan through the port).
 * Figures are scaled to one million events.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { recordPreLedgerEvents } from '../src/ledger/backfill.js';
import { fillMissingHeadLinks } from '../src/store/sqlite/headLinks.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const PER_STREAM = 20;

function build(path: string): void {
  // Created by the current build, then filled as the pre-ledger build would have: no links.
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const stream = db.prepare('INSERT INTO streams (stream, revision) VALUES (?, ?)');
  const body = Buffer.from(JSON.stringify({ eventType: 'customer.updated', pad: 'x'.repeat(950) }));
  db.transaction(() => {
    for (let n = 0; n < EVENTS; n += 1) {
      const name = `customer-${Math.floor(n / PER_STREAM)}`;
      const revision = n % PER_STREAM;
      const metadata = JSON.stringify({ svixId: `msg_${n}`, receivedAt: new Date().toISOString() });
      insert.run(name, revision, randomUUID(), 'customer.updated', body, metadata, '2026-01-01');
      if (revision === PER_STREAM - 1 || n === EVENTS - 1) stream.run(name, revision);
    }
  })();
  db.close();
}

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-backfill-'));
  const path = join(dir, 'events.db');
  try {
    await openSqliteEventStore({ path, writer: 'inline' }).close();
    const [, buildMs] = timed(() => build(path));
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, node ${process.version}, load ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(`built ${EVENTS} linkless events in ${(buildMs / 1000).toFixed(1)} s`);
    const perMillion = (ms: number) => `${((ms / 1000) * (1_000_000 / EVENTS)).toFixed(1)} s`;

    const db = new Database(path);
    const [, scanMs] = timed(() => {
      let bytes = 0;
      const rows = db
        .prepare(
          'SELECT stream, revision, id, type, data, metadata FROM events ORDER BY stream, revision',
        )
        .raw()
        .iterate() as Iterable<[string, number, string, string, Buffer, string]>;
      for (const row of rows) bytes += row[4].length;
      return bytes;
    });
    db.exec('DROP INDEX events_id');
    const [, indexMs] = timed(() => db.exec('CREATE INDEX events_id ON events (id)'));
    const [streams, passMs] = timed(() => db.transaction(() => fillMissingHeadLinks(db))());
    db.close();
    console.log(
      `(a) baseline scan of every event:        ${perMillion(scanMs)} per million events`,
    );
    console.log(
      `(b0) events(id) index of migration 2:    ${perMillion(indexMs)} per million events`,
    );
    console.log(
      `(b) head-link pass (migration 2):        ${perMillion(passMs)} per million events (${streams} streams)`,
    );

    const store = openSqliteEventStore({ path });
    const started = performance.now();
    const record = await recordPreLedgerEvents(store);
    const recordMs = performance.now() - started;
    await store.close();
    console.log(
      `(c) after-the-fact record (readAll scan): ${perMillion(recordMs)} per million events (count ${record?.count})`,
    );
    console.log(
      `total (b0)+(b)+(c): ${perMillion(indexMs + passMs + recordMs)} per million events`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
