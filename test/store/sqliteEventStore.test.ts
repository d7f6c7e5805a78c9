import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { nextSequencePosition } from '../../src/store/embedded/sequencePosition.js';
import { StoreUnavailableError, type NewEvent } from '../../src/store/eventStore.js';
import {
  openSqliteEventStore,
  type CommitInfo,
  type SqliteEventStoreOptions,
  type WriterMode,
} from '../../src/store/sqliteEventStore.js';
import { eventStoreContract } from '../helpers/eventStoreContract.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { startAppender } from './fixtures/appenderProcess.js';

/** Opens a store that the test closes; `path` defaults to a file in a fresh t.testdir(). */
function openStore(t: Test, options: Partial<SqliteEventStoreOptions> = {}) {
  const path = options.path ?? join(t.testdir(), 'events.db');
  const store = openSqliteEventStore({ ...options, path });
  t.teardown(() => store.close());
  return store;
}

function event(data = '{"ok":true}'): NewEvent {
  return { id: randomUUID(), type: 'test.event', data: Buffer.from(data), metadata: {} };
}

const WRITERS: readonly WriterMode[] = ['worker', 'inline'];

function reopenable(t: Test, writer: WriterMode) {
  const path = join(t.testdir(), 'events.db');
  const store = openStore(t, { path, writer });
  const reopen = async () => {
    await store.close();
    return openStore(t, { path, writer });
  };
  return Promise.resolve({ store, reopen });
}

eventStoreContract(t, {
  name: 'the SQLite event store (writer thread, the default)',
  makeStore: (t) => Promise.resolve(openStore(t)),
  nextPosition: nextSequencePosition,
  makeReopenableStore: (t) => reopenable(t, 'worker'),
});

eventStoreContract(t, {
  name: 'the SQLite event store (writer on the main thread)',
  makeStore: (t) => Promise.resolve(openStore(t, { writer: 'inline' })),
  nextPosition: nextSequencePosition,
  makeReopenableStore: (t) => reopenable(t, 'inline'),
});

void t.test('opening creates the parent directory and a versioned WAL database', async (t) => {
  const path = join(t.testdir(), 'nested', 'deeper', 'events.db');
  const store = openSqliteEventStore({ path });
  const result = await store.appendToStream('s', [event()]);
  await store.close();
  t.ok(existsSync(path), 'the file and its directories exist');
  t.match(result.position, /^\d{20}$/, 'positions are 20-digit decimal strings');
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.equal(
    raw.pragma('user_version', { simple: true }),
    SCHEMA_VERSION,
    'the schema version is recorded',
  );
  t.equal(raw.pragma('journal_mode', { simple: true }), 'wal', 'the database is in WAL mode');
});

void t.test('events survive close and reopen, and positions continue after them', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const first = openSqliteEventStore({ path });
  const written = await first.appendToStream('s', [event('one'), event('two')]);
  await first.close();
  const second = openSqliteEventStore({ path });
  t.teardown(() => second.close());
  const read = await second.readStream('s');
  t.strictSame(
    read.map((e) => e.data.toString()),
    ['one', 'two'],
    'the events are back',
  );
  const next = await second.appendToStream('s', [event()], { expected: 1n });
  t.equal(next.position, nextSequencePosition(written.position), 'the log continues gap-free');
});

void t.test('the database refuses UPDATE and DELETE on stored events', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const store = openStore(t, { path });
  await store.appendToStream('s', [event()]);
  const raw = new Database(path);
  t.teardown(() => raw.close());
  t.throws(() => raw.prepare("UPDATE events SET type = 'forged'").run(), /immutable/, 'UPDATE');
  t.throws(() => raw.prepare('DELETE FROM events').run(), /immutable/, 'DELETE');
  t.throws(() => raw.prepare('DELETE FROM streams').run(), /never deleted/, 'stream DELETE');
  t.throws(() => raw.prepare('UPDATE streams SET revision = 0').run(), /only grow/, 'rewind');
  t.equal((await store.readStream('s'))[0]?.type, 'test.event', 'the event is unchanged');
});

void t.test('a database from a newer schema or another application is refused', (t) => {
  const dir = t.testdir();
  const newer = new Database(join(dir, 'newer.db'));
  newer.pragma('user_version = 99');
  newer.close();
  const foreign = new Database(join(dir, 'foreign.db'));
  foreign.exec('CREATE TABLE projections (name TEXT)');
  foreign.close();
  t.throws(() => openSqliteEventStore({ path: join(dir, 'newer.db') }), StoreUnavailableError);
  t.throws(() => openSqliteEventStore({ path: join(dir, 'foreign.db') }), StoreUnavailableError);
  t.end();
});

for (const writer of WRITERS) {
  void t.test(
    `group commit writes concurrent appends in fewer commits than appends (${writer} writer)`,
    async (t) => {
      const commits: CommitInfo[] = [];
      const store = openStore(t, { writer, onCommit: (info) => commits.push(info) });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.appendToStream(`s-${i}`, [event()])),
      );
      const stats = store.stats();
      t.equal(stats.appends, 200, 'every append was acknowledged');
      t.ok(stats.commits < 200, `200 appends took ${stats.commits} commits`);
      t.equal(commits.length, stats.commits, 'onCommit reports each commit');
      t.equal(
        commits.reduce((sum, info) => sum + info.events, 0),
        200,
        'and the events written',
      );
    },
  );
}

for (const writer of WRITERS) {
  void t.test(
    `maxBatchSize caps how many appends one commit takes (${writer} writer)`,
    async (t) => {
      const commits: CommitInfo[] = [];
      const store = openStore(t, {
        writer,
        maxBatchSize: 50,
        onCommit: (info) => commits.push(info),
      });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.appendToStream(`s-${i}`, [event()])),
      );
      t.ok(
        commits.every((info) => info.appends <= 50),
        'no batch exceeds 50 appends',
      );
      t.ok(commits.length >= 4, `200 appends took ${commits.length} commits`);
    },
  );
}

for (const writer of WRITERS) {
  void t.test(
    `a rejected append inside a batch leaves the others in it untouched (${writer} writer)`,
    async (t) => {
      const store = openStore(t, { writer });
      const existing = event();
      await store.appendToStream('x', [existing]);
      const commitsBefore = store.stats().commits;
      const outcomes = await Promise.allSettled([
        store.appendToStream('a', [event()]),
        store.appendToStream('x', [event()], { expected: 5n }),
        store.appendToStream('x', [existing, event()]),
        store.appendToStream('b', [event()]),
        store.appendToStream('x', [event()], { expected: 0n }),
      ]);
      t.equal(store.stats().commits - commitsBefore, 1, 'all five were in one commit');
      t.strictSame(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
        'only the conflicting appends failed',
      );
      const x = await store.readStream('x');
      t.strictSame(
        x.map((e) => e.revision),
        [0n, 1n],
        'the stream kept contiguous revisions',
      );
      t.equal((await store.readStream('a')).length, 1, 'the first append of the batch committed');
    },
  );
}

for (const writer of WRITERS) {
  void t.test(
    `close() finishes the appends in flight before closing (${writer} writer)`,
    async (t) => {
      const path = join(t.testdir(), 'events.db');
      const store = openSqliteEventStore({ path, writer });
      const pending = Array.from({ length: 50 }, () => store.appendToStream('s', [event()]));
      await store.close();
      const results = await Promise.allSettled(pending);
      t.ok(
        results.every((r) => r.status === 'fulfilled'),
        'every in-flight append was acknowledged',
      );
      const reopened = openSqliteEventStore({ path });
      t.teardown(() => reopened.close());
      t.equal((await reopened.readStream('s')).length, 50, 'and is on disk');
    },
  );
}

for (const writer of WRITERS) {
  void t.test(
    `a write lock held elsewhere fails appends with StoreUnavailableError, then recovers (${writer} writer)`,
    async (t) => {
      const path = join(t.testdir(), 'events.db');
      const store = openStore(t, { path, writer, busyTimeoutMs: 50 });
      await store.appendToStream('s', [event()]);
      const other = new Database(path);
      t.teardown(() => other.close());
      other.exec('BEGIN IMMEDIATE');
      const results = await Promise.allSettled([
        store.appendToStream('s', [event()]),
        store.appendToStream('t', [event()]),
      ]);
      for (const result of results) {
        t.ok(
          result.status === 'rejected' && result.reason instanceof StoreUnavailableError,
          'refused',
        );
      }
      t.match(
        String((results[0] as PromiseRejectedResult).reason),
        /SQLITE_BUSY/,
        'names the cause',
      );
      await t.rejects(store.checkWritable(), StoreUnavailableError, 'not writable meanwhile');
      other.exec('ROLLBACK');
      await t.resolves(store.checkWritable(), 'writable again');
      const next = await store.appendToStream('s', [event()], { expected: 0n });
      t.equal(next.nextExpectedRevision, 1n, 'the failed batch left no trace');
    },
  );
}

void t.test(
  'a subscription fails with StoreUnavailableError when the store closes under it',
  async (t) => {
    const store = openStore(t);
    const controller = new AbortController();
    t.teardown(() => controller.abort());
    const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = iterator.next();
    await store.close();
    await t.rejects(waiting, StoreUnavailableError, 'the waiting subscription is told');
  },
);

void t.test('a live subscription sees appends committed by another process', async (t) => {
  const path = join(t.testdir(), 'events.db');
  const store = openStore(t, { path });
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.strictSame(first.value, { events: [], caughtUp: true }, 'caught up on the empty log');

  const appender = startAppender(path, 'cli-stream', 5, 1);
  const seen: string[] = [];
  while (seen.length < 5) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(...next.value.events.map((e) => e.id));
  }
  await appender.exited;
  t.strictSame(seen, [...appender.acks.keys()], 'the other process appends arrive live, in order');
});

void t.test(
  'SIGKILL during appends loses no acknowledged append and leaves no duplicate',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    const appender = startAppender(path, 'crash', 0, 8);
    await appender.ready;
    await appender.untilAcks(300);
    appender.kill();
    await appender.exited;

    const store = openStore(t, { path });
    const log = [];
    for (let page = await store.readAll(); page.length > 0;) {
      log.push(...page);
      page = await store.readAll({ after: page.at(-1)!.position });
    }
    const positions = new Map(log.map((e) => [e.id, e.position]));
    const missing = [...appender.acks].filter(([id, position]) => positions.get(id) !== position);
    t.ok(appender.acks.size >= 300, `${appender.acks.size} appends were acknowledged`);
    t.strictSame(missing, [], 'every acknowledged append is stored at its position');
    t.equal(positions.size, log.length, 'no event id is stored twice');
    const revisions = (await store.readStream('crash')).map((e) => Number(e.revision));
    t.ok(
      revisions.every((r, i) => r === i),
      'the stream has contiguous revisions',
    );
  },
);
