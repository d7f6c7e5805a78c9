import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { RecordedEvent } from '../../../src/store/eventStore.js';
import { toRecorded, type EventRow } from '../../../src/store/sqlite/eventRows.js';
import { MIN_PAGE_EVENTS, preparePageReads } from '../../../src/store/sqlite/pageReads.js';
import { openSqliteEventStore } from '../../../src/store/sqliteEventStore.js';

/** Bodies a byte-exact store must give back as written: text would mangle most of them. */
function awkwardBodies(): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < 3 * MIN_PAGE_EVENTS; i++) {
    switch (i % 6) {
      case 0:
        bodies.push(Buffer.from(`{"n":${i},"name":"Zoë Øster"}`));
        break;
      case 1:
        bodies.push(Buffer.from([0x7b, 0x00, 0x00, 0x7d, i])); // NUL bytes
        break;
      case 2:
        bodies.push(Buffer.from([0xff, 0xfe, 0xc3, 0x28, i])); // not UTF-8
        break;
      case 3:
        bodies.push(Buffer.alloc(0));
        break;
      case 4:
        bodies.push(Buffer.alloc(70_000, i)); // larger than a page of the file
        break;
      default:
        bodies.push(Buffer.from(`{"n":${i}}`));
    }
  }
  return bodies;
}

async function storeWith(path: string, bodies: readonly Buffer[]): Promise<void> {
  const store = openSqliteEventStore({ path });
  try {
    for (const [i, data] of bodies.entries()) {
      await store.appendToStream(`customer-${i % 7}`, [
        { id: randomUUID(), type: 'customer.updated', data, metadata: { n: i } },
      ]);
    }
  } finally {
    await store.close();
  }
}

function rowByRowReader(db: Database.Database) {
  const statement = db
    .prepare<[number, number], EventRow>(
      `SELECT position, stream, revision, id, type, data, metadata, recorded_at, link, data_sha256
       FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    )
    .raw();
  let calls = 0;
  const read = (after: number, maxCount: number): RecordedEvent[] => {
    calls += 1;
    return statement.all(after, maxCount).map(toRecorded);
  };
  return { read, calls: () => calls };
}

void t.test(
  'a page read in one piece gives every event its bytes exactly as written',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    const bodies = awkwardBodies();
    await storeWith(path, bodies);

    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    const page = await store.readAll({ maxCount: 1000 });
    t.equal(page.length, bodies.length, 'every event is on the page');
    t.ok(
      page.every((event, i) => Buffer.isBuffer(event.data) && event.data.equals(bodies[i]!)),
      'NUL bytes, invalid UTF-8, empty and large bodies come back byte for byte',
    );
    t.strictSame(
      page.map((event) => event.metadata),
      bodies.map((_, i) => ({ n: i })),
      'each event keeps its own metadata, in log order',
    );

    const [first, second] = page;
    first!.data.fill(0x21);
    t.ok(second!.data.equals(bodies[1]!), "writing into one event's bytes leaves the next alone");
  },
);

void t.test('a reader that replaces the bytes may take them as views into the page', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const bodies = awkwardBodies();
  await storeWith(path, bodies);
  const store = openSqliteEventStore({ path });
  t.teardown(() => store.close());

  const shared = await store.readAll({ maxCount: 1000, sharedData: true });
  t.ok(
    shared.every((event, i) => event.data.equals(bodies[i]!)),
    'the same bytes, byte for byte',
  );
  t.equal(
    new Set(shared.map((event) => event.data.buffer)).size,
    1,
    'all in one buffer, not copied per event',
  );
  const own = await store.readAll({ maxCount: 1000 });
  t.equal(new Set(own.map((event) => event.data.buffer)).size > 1, true, 'unless asked');
});

void t.test('a page read in one piece equals the same page read row by row', async (t) => {
  const path = join(t.testdir(), 'events.db');
  await storeWith(path, awkwardBodies());
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  const rows = rowByRowReader(db);
  const pages = preparePageReads(db, rows.read);

  for (const [after, maxCount] of [
    [0, 1000],
    [5, MIN_PAGE_EVENTS],
    [40, 500],
    [1000, 500],
  ] as const) {
    t.strictSame(
      pages(after, maxCount),
      rows.read(after, maxCount),
      `after ${after}, up to ${maxCount} events`,
    );
  }
});

void t.test('small pages and pages over the byte bound are read row by row', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const bodies = awkwardBodies();
  await storeWith(path, bodies);
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());

  const small = rowByRowReader(db);
  preparePageReads(db, small.read)(0, MIN_PAGE_EVENTS - 1);
  t.equal(small.calls(), 1, `a page of fewer than ${MIN_PAGE_EVENTS} events`);

  // A page of the whole log holds 16 bodies of 70,000 bytes; its first 32 events hold 5.
  const bound = 1_000_000;
  const bounded = rowByRowReader(db);
  const page = preparePageReads(db, bounded.read, bound)(0, 1000);
  t.equal(bounded.calls(), 1, 'a page whose bytes pass the bound');
  t.ok(
    page.every((event, i) => event.data.equals(bodies[i]!)),
    'and it still holds every byte',
  );

  const within = rowByRowReader(db);
  const first = preparePageReads(db, within.read, bound)(0, MIN_PAGE_EVENTS);
  t.equal(within.calls(), 0, 'a page under the bound is read in one piece');
  t.equal(first.length, MIN_PAGE_EVENTS, 'and it is whole');
});
