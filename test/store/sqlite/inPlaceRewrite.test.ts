/**
 * The one in-place rewrite of a SQLite store: exclusive (refused while another connection has the
 * file open), all or nothing, links recomputed from the first changed revision, and the
 * immutability triggers holding again afterwards. Real SQLite files.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { canonicalJson } from '../../../src/ledger/canonicalJson.js';
import { headLinkOf } from '../../../src/ledger/chain.js';
import {
  openExclusively,
  rewriteInPlace,
  StoreInUseError,
  type InPlaceRewriteOptions,
} from '../../../src/store/sqlite/inPlaceRewrite.js';
import { openSqliteEventStore } from '../../../src/store/sqliteEventStore.js';

const id = (n: number) => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

async function makeStore(path: string): Promise<void> {
  const store = openSqliteEventStore({ path, writer: 'inline' });
  for (const [stream, n] of [
    ['a', 1],
    ['a', 2],
    ['a', 3],
    ['b', 4],
  ] as const) {
    await store.appendToStream(stream, [
      { id: id(n), type: 't', data: Buffer.from(`plain ${n}`), metadata: { n } },
    ]);
  }
  await store.close();
}

const options = (overrides: Partial<InPlaceRewriteOptions> = {}): InPlaceRewriteOptions => ({
  expectedHead: '00000000000000000004',
  recordedAt: new Date().toISOString(),
  // Rewrites revision 1 of stream a only.
  transform: (event) =>
    event.streamName === 'a' && event.revision === 1
      ? { data: Buffer.from('secret'), metadata: { ...event.metadata, changed: true } }
      : undefined,
  record: (streams) => ({
    streamName: 'ledger',
    event: {
      id: id(99),
      type: 'rewritten',
      data: Buffer.from(JSON.stringify(streams)),
      metadataJson: canonicalJson({}),
    },
  }),
  ...overrides,
});

void t.test('the rewrite is refused while another connection has the store open', async (t) => {
  const path = join(t.testdir(), 'events.db');
  await makeStore(path);
  const store = openSqliteEventStore({ path, writer: 'inline' });
  await store.readAll();
  t.throws(() => openExclusively(path), StoreInUseError);
  await store.close();
  openExclusively(path).close();
});

void t.test(
  'links are recomputed from the first changed revision on, and the record appended',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    await makeStore(path);
    const before = openSqliteEventStore({ path, readOnly: true });
    const [a0, a1, a2] = await before.readStream('a');
    const [b0] = await before.readStream('b');
    await before.close();

    const db = openExclusively(path);
    const result = rewriteInPlace(db, options());
    db.close();
    t.ok(result);
    t.match(result!.streams, [{ streamName: 'a', headRevision: 2, replaced: [1] }]);
    t.equal(result!.streams[0]!.oldHeadLink, a2!.link);

    const after = openSqliteEventStore({ path, readOnly: true });
    const a = await after.readStream('a');
    t.equal(a[0]!.link, a0!.link, 'revisions before the first change keep their link');
    t.equal(a[1]!.data.toString(), 'secret');
    t.same(a[1]!.metadata, { n: 2, changed: true });
    t.not(a[1]!.link, a1!.link);
    t.not(a[2]!.link, a2!.link, 'a later event of the stream gets a new link');
    t.equal(a[2]!.data.toString(), 'plain 3');
    t.equal(headLinkOf(a.map((e) => ({ ...e, link: undefined }))), a[2]!.link, 'a chain again');
    t.equal(result!.streams[0]!.newHeadLink, a[2]!.link);
    t.same((await after.readStream('b'))[0], b0, 'an unaffected stream is untouched');
    const [record] = await after.readStream('ledger');
    t.equal(record?.position, result!.recordPosition);
    t.same(await after.checkConsistency!(), [], 'the streams table agrees');
    await after.close();

    const raw = new Database(path);
    t.throws(
      () => raw.prepare("UPDATE events SET data = x'00' WHERE stream = 'a'").run(),
      /events are immutable/,
      'the triggers hold again',
    );
    raw.close();
  },
);

void t.test('a failure inside the transaction leaves the store as it was', async (t) => {
  const path = join(t.testdir(), 'events.db');
  await makeStore(path);
  const read = async () => {
    const store = openSqliteEventStore({ path, readOnly: true });
    const events = await store.readAll();
    await store.close();
    return events;
  };
  const before = await read();
  const db = openExclusively(path);
  t.throws(
    () =>
      rewriteInPlace(
        db,
        options({
          record: () => {
            throw new Error('crash while recording');
          },
        }),
      ),
    /crash while recording/,
  );
  t.throws(
    () => rewriteInPlace(db, options({ expectedHead: '00000000000000000003' })),
    /the event store changed since the rewrite was planned/,
  );
  t.equal(rewriteInPlace(db, options({ transform: () => undefined })), undefined);
  db.close();
  t.same(await read(), before);
  const raw = new Database(path);
  t.equal(
    raw.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").pluck().get(),
    4,
    'every trigger is still there',
  );
  raw.close();
});
