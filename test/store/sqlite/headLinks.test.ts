import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { headLinkOf, recomputeLink } from '../../../src/ledger/chain.js';
import { GENESIS_LINK } from '../../../src/ledger/link.js';
import { openSqliteEventStore } from '../../../src/store/sqliteEventStore.js';
import { writePreLedgerStore, type PreLedgerEvent } from '../../fixtures/ledger/preLedgerStore.js';

function oldEvent(stream: string, n: number): PreLedgerEvent {
  return {
    stream,
    id: randomUUID(),
    type: 'customer.updated',
    data: Buffer.from(`{"n":${n}, "spaced": true}`),
    // Key order as JSON.stringify kept it: the link covers the canonical form instead.
    metadata: { svixId: `msg_${n}`, receivedAt: '2026-01-02T03:04:05.000Z', b: 1, a: 2 },
  };
}

void t.test(
  'a store written before the ledger gets head links computed from content on open',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    const old = [oldEvent('customer-a', 1), oldEvent('customer-b', 2), oldEvent('customer-a', 3)];
    writePreLedgerStore(path, old);

    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    const a = await store.readStream('customer-a');
    t.strictSame(
      a.map((event) => event.data.toString()),
      [old[0]!.data.toString(), old[2]!.data.toString()],
      'old events read back unchanged',
    );
    t.ok(
      a.every((event) => event.link === undefined && event.dataSha256 === undefined),
      'old events carry no link: nothing was rewritten',
    );
    const raw = new Database(path, { readonly: true });
    t.teardown(() => raw.close());
    const heads = raw.prepare('SELECT stream, head_link FROM streams ORDER BY stream').all() as {
      stream: string;
      head_link: string;
    }[];
    t.strictSame(
      heads.map((row) => row.head_link),
      [headLinkOf(a), headLinkOf(await store.readStream('customer-b'))],
      'each stream head link is its chain recomputed from content',
    );

    const next = { id: randomUUID(), type: 'customer.deleted', data: Buffer.from('{}') };
    await store.appendToStream('customer-a', [{ ...next, metadata: {} }], { expected: 1n });
    const [, , appended] = await store.readStream('customer-a');
    t.equal(
      appended!.link,
      recomputeLink(appended!, headLinkOf(a)).link,
      'a new append links onto the computed head',
    );
  },
);

void t.test('the streams table refuses a head link change without a new revision', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const store = openSqliteEventStore({ path });
  t.teardown(() => store.close());
  await store.appendToStream('s', [
    { id: randomUUID(), type: 't', data: Buffer.from('x'), metadata: {} },
  ]);
  const raw = new Database(path);
  t.teardown(() => raw.close());
  t.throws(
    () => raw.prepare(`UPDATE streams SET head_link = '${GENESIS_LINK}'`).run(),
    /only grow/,
    'a head link cannot be replaced at the same revision',
  );
  t.throws(
    () => raw.prepare('UPDATE streams SET revision = revision - 1').run(),
    /only grow/,
    'a revision cannot shrink',
  );
});

void t.test(
  'a stream whose head link is missing gets it computed by the next append',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    writePreLedgerStore(path, [oldEvent('s', 1)]);
    // Opened once (migrated), then the head link is cleared as a pre-migration store would have.
    await openSqliteEventStore({ path, writer: 'inline' }).close();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER streams_only_grow; UPDATE streams SET head_link = NULL');
    raw.close();
    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    await store.appendToStream('s', [
      { id: randomUUID(), type: 't', data: Buffer.from('y'), metadata: {} },
    ]);
    const [first, second] = await store.readStream('s');
    t.equal(second!.link, recomputeLink(second!, headLinkOf([first!])).link, 'the chain holds');
  },
);

void t.test('with chaining off (benchmarks only) events are stored without links', async (t) => {
  const store = openSqliteEventStore({ path: join(t.testdir(), 'events.db'), chain: false });
  t.teardown(() => store.close());
  await store.appendToStream('s', [
    { id: randomUUID(), type: 't', data: Buffer.from('x'), metadata: {} },
  ]);
  const [event] = await store.readStream('s');
  t.equal(event!.link, undefined, 'no link');
});
