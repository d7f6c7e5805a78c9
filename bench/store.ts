/**
 * `npm run bench:store`: the SQLite event store against raw better-sqlite3 doing the same work
 * with the same durability (WAL + synchronous=FULL), in one run on temp files. Each raw/store
 * pair runs back to back so both see the same disk weather. Prints figures and ratios only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../src/store/eventStore.js';
import { openSqliteEventStore, type SqliteEventStore } from '../src/store/sqliteEventStore.js';

const WRITE_MS = 3000;
const FILL_MS = 6000;
const FILL_EVENTS = 120_000;
/** 100-event appends each side makes at least, however full its log already is. */
const MIN_HUNDREDS = 50;
const READ_MS = 3000;
const PRODUCERS = 50;

interface Row {
  readonly name: string;
  readonly unit: string;
  readonly store: number;
  readonly raw: number;
  readonly note?: string;
}

const padding = 'x'.repeat(560);
let sequence = 0;
function newEvent(): NewEvent {
  sequence += 1;
  const payload = { customerId: randomUUID(), n: sequence, status: 'Active', padding };
  return {
    id: randomUUID(),
    type: 'customer.updated',
    data: Buffer.from(JSON.stringify({ eventType: 'customer.updated', payload, at: Date.now() })),
    metadata: {
      svixId: `msg_${sequence}`,
      svixTimestamp: String(Math.floor(Date.now() / 1000)),
      signature: `v1,${'a'.repeat(44)}`,
      receivedAt: new Date().toISOString(),
      sha256: 'f'.repeat(64),
      schemaVersion: 1,
    },
  };
}
const newEvents = (count: number): NewEvent[] => Array.from({ length: count }, newEvent);

/** Repeats `step` (which returns units done) for `ms` or until `stop()`; returns units/s. */
async function rate(
  ms: number,
  step: () => Promise<number> | number,
  stop = (): boolean => false,
): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < ms && !stop()) done += await step();
  return done / ((performance.now() - started) / 1000);
}

/** The same work on a bare table: same pragmas and row shape, no store logic. */
function openRaw(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, revision INTEGER,
    id TEXT, type TEXT, data BLOB, metadata TEXT, recorded_at TEXT,
    UNIQUE (stream, revision), UNIQUE (stream, id))`);
  const insert = db.prepare(`INSERT INTO events (stream, revision, id, type, data, metadata,
    recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const write = db.transaction((stream: string, events: NewEvent[]) => {
    const at = new Date().toISOString();
    events.forEach((e, i) =>
      insert.run(stream, i, e.id, e.type, e.data, JSON.stringify(e.metadata), at),
    );
    return events.length;
  });
  type R = { position: number; metadata: string; data: Buffer; recorded_at: string };
  const byStream = db.prepare<[string], R>(
    'SELECT * FROM events WHERE stream = ? ORDER BY revision',
  );
  const page = db.prepare<[number], R>(
    'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT 1000',
  );
  const parse = (rows: R[]): R[] => {
    for (const row of rows) JSON.parse(row.metadata);
    return rows;
  };
  const count = db.prepare<[], number>('SELECT count(*) FROM events').pluck();
  return {
    write,
    count: () => count.get()!,
    readStream: (stream: string) => parse(byStream.all(stream)),
    readPage: (after: number) => parse(page.all(after)),
    close: () => db.close(),
  };
}

async function measure(raw: ReturnType<typeof openRaw>, store: SqliteEventStore): Promise<Row[]> {
  const rows: Row[] = [];
  let n = 0;
  const name = (prefix: string) => `${prefix}-${(n += 1)}`;

  rows.push({
    name: '1-event appends, sequential (a commit each)',
    unit: 'appends/s',
    raw: await rate(WRITE_MS, () => raw.write(name('single'), [newEvent()])),
    store: await rate(WRITE_MS, async () => {
      await store.appendToStream(name('single'), [newEvent()]);
      return 1;
    }),
  });

  const before = store.stats();
  const started = performance.now();
  let acknowledged = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (performance.now() - started < WRITE_MS) {
        await store.appendToStream(name('concurrent'), [newEvent()]);
        acknowledged += 1;
      }
    }),
  );
  const concurrent = acknowledged / ((performance.now() - started) / 1000);
  const after = store.stats();
  const perCommit = (after.appends - before.appends) / (after.commits - before.commits);
  rows.push({
    name: `1-event appends, ${PRODUCERS} concurrent (group commit)`,
    unit: 'appends/s',
    raw: rows[0]!.raw,
    store: concurrent,
    note: `${perCommit.toFixed(1)} appends per commit; raw = 1 INSERT per txn`,
  });

  rows.push({
    name: '10-event appends, sequential',
    unit: 'events/s',
    raw: await rate(WRITE_MS, () => raw.write(name('ten'), newEvents(10))),
    store: await rate(WRITE_MS, async () => {
      await store.appendToStream(name('ten'), newEvents(10));
      return 10;
    }),
  });

  // 100-event appends also fill both logs to about the same size for the reads below. The
  // earlier rows may already have written more than FILL_EVENTS on a fast disk: each side still
  // makes at least MIN_HUNDREDS appends, so this row and the readStream row measure something.
  const fillTo = Math.max(FILL_EVENTS, raw.count(), store.stats().eventsWritten);
  const rawStreams: string[] = [];
  const rawHundred = await rate(
    FILL_MS,
    () => {
      rawStreams.push(name('hundred'));
      return raw.write(rawStreams.at(-1)!, newEvents(100));
    },
    () => rawStreams.length >= MIN_HUNDREDS && raw.count() >= fillTo,
  );
  const storeStreams: string[] = [];
  const storeHundred = await rate(
    FILL_MS,
    async () => {
      storeStreams.push(name('hundred'));
      await store.appendToStream(storeStreams.at(-1)!, newEvents(100));
      return 100;
    },
    () => storeStreams.length >= MIN_HUNDREDS && store.stats().eventsWritten >= fillTo,
  );
  rows.push({
    name: '100-event appends, sequential',
    unit: 'events/s',
    raw: rawHundred,
    store: storeHundred,
  });

  let index = 0;
  const rawStreamRead = await rate(
    READ_MS,
    () => raw.readStream(rawStreams[index++ % rawStreams.length]!).length,
  );
  index = 0;
  const storeStreamRead = await rate(READ_MS, async () => {
    return (await store.readStream(storeStreams[index++ % storeStreams.length]!)).length;
  });
  rows.push({
    name: 'readStream of 100-event streams',
    unit: 'events/s',
    raw: rawStreamRead,
    store: storeStreamRead,
    note: 'metadata JSON.parse in both',
  });

  let rawAfter = 0;
  const rawReadAll = await rate(READ_MS, () => {
    const page = raw.readPage(rawAfter);
    rawAfter = page.at(-1)?.position ?? 0;
    return page.length;
  });
  let storeAfter: string | undefined;
  const storeReadAll = await rate(READ_MS, async () => {
    const page = await store.readAll({ after: storeAfter, maxCount: 1000 });
    storeAfter = page.at(-1)?.position;
    return page.length;
  });
  rows.push({
    name: 'readAll, pages of 1000',
    unit: 'events/s',
    raw: rawReadAll,
    store: storeReadAll,
  });

  const controller = new AbortController();
  const catchUpStarted = performance.now();
  let delivered = 0;
  for await (const batch of store.subscribe({ signal: controller.signal, batchSize: 1000 })) {
    delivered += batch.events.length;
    if (batch.caughtUp || performance.now() - catchUpStarted > 2 * READ_MS) controller.abort();
  }
  rows.push({
    name: 'subscription catch-up from the start',
    unit: 'events/s',
    raw: rawReadAll,
    store: delivered / ((performance.now() - catchUpStarted) / 1000),
    note: `${delivered} events in batches of 1000; raw = paged SELECT`,
  });
  return rows;
}

/** A row that measured nothing is a broken benchmark, not a figure: refuse to print it as one. */
function assertMeasured(rows: readonly Row[]): void {
  const empty = rows.filter(
    (row) =>
      !(Number.isFinite(row.store) && row.store > 0 && Number.isFinite(row.raw) && row.raw > 0),
  );
  if (empty.length > 0) {
    throw new Error(
      `measured nothing for: ${empty.map((row) => `${row.name} (store ${row.store}, raw ${row.raw})`).join('; ')}`,
    );
  }
}

function printTable(rows: readonly Row[]): void {
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  const header = ['measurement', 'unit', 'store', 'raw', 'store/raw', 'note'];
  const lines = rows.map((row) => [
    row.name,
    row.unit,
    fmt(row.store),
    fmt(row.raw),
    (row.store / row.raw).toFixed(2),
    row.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const print = (cells: string[]) => {
    const padded = cells.map((cell, i) =>
      i >= 2 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
    );
    console.log(`| ${padded.join(' | ')} |`);
  };
  print(header);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  lines.forEach(print);
}

const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-store-'));
try {
  const cpu = cpus();
  const probe = new Database(':memory:');
  const sqlite = probe.prepare('SELECT sqlite_version()').pluck().get() as string;
  probe.close();
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, node ${process.version}, ` +
      `SQLite ${sqlite}, ${process.platform}`,
  );
  console.log('both files: WAL, synchronous=FULL; events ~0.7 KB JSON body + ~250 B metadata\n');
  const raw = openRaw(join(dir, 'raw.db'));
  const store = openSqliteEventStore({ path: join(dir, 'store.db') });
  const started = performance.now();
  const rows = await measure(raw, store);
  await store.close();
  raw.close();
  printTable(rows);
  assertMeasured(rows);
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
