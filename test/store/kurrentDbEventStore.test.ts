import grpc from '@grpc/grpc-js';
import { KurrentDBClient, binaryEvent } from '@kurrent/kurrentdb-client';
import t from 'tap';
import {
  EventStoreError,
  StoreUnavailableError,
  StreamRevisionConflictError,
} from '../../src/store/eventStore.js';
import { withLeaderPreference } from '../../src/store/kurrentdb/connectionString.js';
import { openKurrentDbEventStore } from '../../src/store/kurrentDbEventStore.js';
import { eventStoreContract } from '../helpers/eventStoreContract.js';
import {
  freshStream,
  ids,
  newEvent,
  newEvents,
  rejectionOf,
} from '../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

// Always: the real client (gRPC appends, Rust-bridge reads) against the in-memory gRPC double.
eventStoreContract(t, {
  name: 'the KurrentDB adapter over the gRPC test double',
  makeStore: async (t) => (await storeOverDouble(t)).store,
  makeReopenableStore: async (t) => {
    const { store, openAnother } = await storeOverDouble(t);
    const reopen = async () => {
      await store.close();
      return openAnother();
    };
    return { store, reopen };
  },
});

const serverUrl = process.env.KURRENTDB_URL;
if (serverUrl) {
  eventStoreContract(t, {
    name: `the KurrentDB adapter against the server at KURRENTDB_URL`,
    makeStore: (t) => {
      const store = openKurrentDbEventStore({ connectionString: serverUrl });
      t.teardown(() => store.close());
      return Promise.resolve(store);
    },
    startsEmpty: false,
  });
} else {
  const reason =
    'KURRENTDB_URL is not set (e.g. KURRENTDB_URL="kurrentdb://localhost:2113?tls=false"); no KurrentDB server runs here';
  void t.test('the KurrentDB adapter against a real server', { skip: reason }, async () => {});
}

/** The `code` of the gRPC error somewhere in an error's cause chain. */
function grpcCodeIn(error: unknown): unknown {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ('code' in e && typeof e.code === 'number') return e.code;
  }
  return undefined;
}

void t.test(
  'with the server stopped every operation fails with StoreUnavailableError, then recovers',
  async (t) => {
    const { store, double } = await storeOverDouble(t);
    const stream = freshStream();
    await store.appendToStream(stream, [newEvent()]);
    await double.stop();
    const operations: [string, () => Promise<unknown>][] = [
      ['appendToStream', () => store.appendToStream(stream, [newEvent()])],
      ['readStream', () => store.readStream(stream)],
      ['readAll', () => store.readAll()],
      ['headPosition', () => store.headPosition()],
      ['checkWritable', () => store.checkWritable()],
    ];
    for (const [name, operation] of operations) {
      const error = await rejectionOf(t, operation());
      t.type(error, StoreUnavailableError, `${name} fails with StoreUnavailableError`);
      t.equal(
        (error as Error).cause !== undefined,
        true,
        `${name} keeps the client error as cause`,
      );
    }
    await double.start();
    const next = await store.appendToStream(stream, [newEvent()]);
    t.equal(next.nextExpectedRevision, 1n, 'appends work again once the server is back');
    await t.resolves(store.checkWritable(), 'and the store is writable again');
  },
);

void t.test('an append refused with a plain gRPC status is translated by its code', async (t) => {
  for (const batchAppend of [true, false]) {
    const rpc = batchAppend ? 'BatchAppend' : 'Append';
    const { store, double } = await storeOverDouble(t, { advertiseBatchAppend: batchAppend });
    const stream = freshStream();
    const event = newEvent();
    double.failNextAppends(1, grpc.status.UNAVAILABLE);
    const unavailable = await rejectionOf(t, store.appendToStream(stream, [event]));
    t.type(unavailable, StoreUnavailableError, `${rpc}: code 14 is StoreUnavailableError`);
    t.equal(grpcCodeIn(unavailable), 14, `${rpc}: the cause carries code 14`);

    double.failNextAppends(1, grpc.status.DEADLINE_EXCEEDED);
    const late = await rejectionOf(t, store.appendToStream(stream, [event]));
    t.type(late, StoreUnavailableError, `${rpc}: a deadline is StoreUnavailableError`);

    double.failNextAppends(1, grpc.status.PERMISSION_DENIED);
    const denied = await rejectionOf(t, store.appendToStream(stream, [event]));
    t.type(denied, EventStoreError, `${rpc}: other codes are EventStoreError`);
    t.notOk(denied instanceof StoreUnavailableError, `${rpc}: and not StoreUnavailableError`);

    const retried = await store.appendToStream(stream, [event]);
    t.equal(retried.duplicate, false, `${rpc}: the refused appends wrote nothing`);
    t.strictSame(ids(await store.readStream(stream)), [event.id], `${rpc}: one copy stored`);
  }
});

void t.test(
  'a writer slipping in between the check and the append is caught by the server',
  async (t) => {
    for (const rpc of ['batchAppend', 'append'] as const) {
      const { store, double } = await storeOverDouble(t, {
        advertiseBatchAppend: rpc === 'batchAppend',
      });
      const stream = freshStream();
      await store.appendToStream(stream, newEvents(3));

      double.interleaveWrite(stream);
      const error = await rejectionOf(
        t,
        store.appendToStream(stream, [newEvent()], { expected: 2n }),
      );
      t.type(error, StreamRevisionConflictError, `${rpc}: the caller's revision is now stale`);
      const conflict = error as StreamRevisionConflictError;
      t.strictSame(
        { streamName: conflict.streamName, expected: conflict.expected, actual: conflict.actual },
        { streamName: stream, expected: 2n, actual: 3n },
        `${rpc}: the error names the stream, the expected and the actual revision`,
      );

      double.interleaveWrite(stream);
      const event = newEvent();
      const result = await store.appendToStream(stream, [event]);
      t.equal(result.nextExpectedRevision, 5n, `${rpc}: with 'any' the append retries after it`);
      const read = await store.readStream(stream);
      t.equal(read.filter((e) => e.id === event.id).length, 1, `${rpc}: and is stored once`);
      const calls = double.rpcCalls();
      t.ok(calls[rpc] > 0, `${rpc}: the client used ${rpc}`);
      t.equal(calls[rpc === 'append' ? 'batchAppend' : 'append'], 0, `${rpc}: and only it`);
    }
  },
);

void t.test('writers in two processes racing on one stream all land, in order, once', async (t) => {
  // The retry bound is production's guard against livelock; this test is about the outcome.
  const { store, openAnother } = await storeOverDouble(t, {}, { maxAppendAttempts: 100 });
  const other = openAnother();
  const stream = freshStream();
  const mine = newEvents(8);
  const theirs = newEvents(8);
  const shared = newEvent();
  await Promise.all([
    ...mine.map((event) => store.appendToStream(stream, [event])),
    ...theirs.map((event) => other.appendToStream(stream, [event])),
    store.appendToStream(stream, [shared]),
    other.appendToStream(stream, [shared]),
  ]);
  const read = await store.readStream(stream);
  t.equal(read.length, 17, 'every distinct event is stored, the shared one once');
  t.ok(
    read.every((event, i) => event.revision === BigInt(i)),
    'revisions stay contiguous',
  );
  t.equal(new Set(ids(read)).size, 17, 'no id is stored twice');
});

void t.test('positions keep both commit and prepare parts and sort in log order', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const stream = freshStream();
  await store.appendToStream(stream, newEvents(3));
  await store.appendToStream(freshStream(), [newEvent()]);
  const read = await store.readAll();
  t.equal(read.length, 4, 'four events');
  t.ok(
    read.every((event) => /^\d{20}\/\d{20}$/.test(event.position)),
    'each position is "<commit>/<prepare>", 20 digits each',
  );
  const stored = new Map(double.events().map((event) => [event.id, event]));
  t.ok(
    read.every((event) => {
      const raw = stored.get(event.id)!;
      return event.position === `${pad(raw.commit)}/${pad(raw.prepare)}`;
    }),
    "each position is the server's commit and prepare position",
  );
  const [a, b, c] = read.map((event) => event.position.split('/'));
  t.equal(a![0], b![0], 'events written together share a commit position…');
  t.not(a![1], b![1], '…and differ by prepare position');
  t.strictSame(
    [...read.map((e) => e.position)].sort(),
    read.map((e) => e.position),
    'string order is log order',
  );
  const after = await store.readAll({ after: read[0]!.position });
  t.strictSame(
    ids(after),
    ids(read.slice(1)),
    'reading after a shared commit position uses prepare',
  );
  t.equal(c![0], a![0], 'the third event of the write shares it too');
});

function pad(value: bigint): string {
  return value.toString().padStart(20, '0');
}

void t.test(
  'a redelivery days later is a duplicate though the server forgot recent ids',
  async (t) => {
    const { double, openAnother } = await storeOverDouble(t);
    const stream = freshStream();
    const delivery = newEvent();
    const first = await openAnother().appendToStream(stream, [delivery]);
    await openAnother().appendToStream(stream, newEvents(2));
    double.clearIdempotencyCache(); // eviction / node restart: the server's ANY check now misses

    // The redelivery arrives at a new process with the ingress default expected state ('any').
    const later = await openAnother().appendToStream(stream, [delivery]);
    t.strictSame(
      later,
      { nextExpectedRevision: 2n, position: first.position, duplicate: true },
      'it is reported as a duplicate of the original',
    );
    t.equal(double.events().filter((e) => e.id === delivery.id).length, 1, 'the log holds it once');

    // Control: what a plain expected=any append does in the same situation (the naive design).
    const client = KurrentDBClient.connectionString(double.connectionString);
    t.teardown(() => client.dispose());
    double.clearIdempotencyCache();
    const naive = binaryEvent({ id: delivery.id, type: delivery.type, data: Buffer.from('x') });
    await client.appendToStream(stream, naive);
    t.equal(
      double.events().filter((e) => e.id === delivery.id).length,
      2,
      'a naive any-append duplicates it (the double models the server cache, so the test can fail)',
    );
  },
);

void t.test('an append reads only the tail of a stream it has read before', async (t) => {
  for (const knownIdsCacheSize of [100_000, 0]) {
    const { store, double } = await storeOverDouble(t, {}, { knownIdsCacheSize });
    const stream = freshStream();
    const first = newEvent();
    await store.appendToStream(stream, [first]);
    for (let i = 0; i < 4; i += 1) await store.appendToStream(stream, newEvents(10));
    const before = double.streamEventsServed();
    await store.appendToStream(stream, [newEvent()]);
    const read = double.streamEventsServed() - before;
    if (knownIdsCacheSize > 0) {
      t.ok(read <= 12, `with the cache, the append read ${read} events (the tail and its own)`);
    } else {
      t.equal(read, 42, 'without it, the whole stream of 41 events plus the read-back');
    }
    const again = await store.appendToStream(stream, [first]);
    t.equal(again.duplicate, true, 'an id from the start of the stream is still found');
  }
});

void t.test('system events are left out of reads, the head and subscriptions', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const [one, two] = [newEvent(), newEvent()];
  await store.appendToStream(freshStream(), [one]);
  double.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollected');
  const result = await store.appendToStream(freshStream(), [two]);
  for (let i = 0; i < 70; i += 1) double.appendSystemEvent(`$$${freshStream()}`, '$metadata');
  t.strictSame(ids(await store.readAll()), [one.id, two.id], 'readAll skips them');
  t.strictSame(ids(await store.readAll({ maxCount: 1 })), [one.id], 'they take no page slots');
  t.equal(await store.headPosition(), result.position, 'the head is the last event of ours');
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const delivered = [];
  for await (const batch of store.subscribe({ signal: controller.signal })) {
    delivered.push(...batch.events);
    if (batch.caughtUp) break;
  }
  t.strictSame(ids(delivered), [one.id, two.id], 'subscriptions skip them');
});

void t.test(
  'an event reads the same through the read bridge and through a subscription',
  async (t) => {
    const { store } = await storeOverDouble(t);
    const stream = freshStream();
    await store.appendToStream(stream, newEvents(2));
    const controller = new AbortController();
    t.teardown(() => controller.abort());
    const subscribed = [];
    for await (const batch of store.subscribe({ signal: controller.signal })) {
      subscribed.push(...batch.events);
      if (batch.caughtUp) break;
    }
    t.strictSame(subscribed, await store.readStream(stream), 'readStream and subscribe agree');
    t.strictSame(subscribed, await store.readAll(), 'readAll agrees too');
    t.ok(
      subscribed.every((event) => event.recordedAt.getMilliseconds() === 0),
      'recordedAt has whole-second precision on every path',
    );
  },
);

void t.test('close lets an in-flight append finish, then refuses work', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const event = newEvent();
  const appending = store.appendToStream(freshStream(), [event]);
  await store.close();
  t.equal((await appending).duplicate, false, 'the append begun before close completed');
  t.ok(
    double.events().some((stored) => stored.id === event.id),
    'and its event is stored',
  );
  t.type(await rejectionOf(t, store.readAll()), StoreUnavailableError, 'reads are refused');
});

void t.test(
  'a connection string the client refuses fails fast without echoing credentials',
  async (t) => {
    const connectionString =
      'kurrentdb://admin:s3cret@127.0.0.1:2113?tlsCaFile=/nonexistent/ca.pem';
    const opening = Promise.resolve().then(() => openKurrentDbEventStore({ connectionString }));
    const error = await rejectionOf(t, opening);
    t.type(error, StoreUnavailableError, 'opening fails with StoreUnavailableError');
    t.notMatch((error as Error).message, /s3cret/, 'the message does not contain the password');
  },
);

void t.test('the adapter asks for the leader unless the operator chose a node preference', (t) => {
  t.equal(withLeaderPreference('kurrentdb://a:2113'), 'kurrentdb://a:2113?nodePreference=leader');
  t.equal(
    withLeaderPreference('kurrentdb://a:2113,b:2113?tls=false'),
    'kurrentdb://a:2113,b:2113?tls=false&nodePreference=leader',
  );
  const chosen = 'esdb+discover://c:2113?node_preference=follower';
  t.equal(withLeaderPreference(chosen), chosen, 'an explicit preference is kept');
  t.end();
});
