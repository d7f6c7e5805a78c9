// The KurrentDB adapter over the gRPC double (a test fake: no KurrentDB server runs here):
// appends racing other writers, redeliveries the server's own id cache has forgotten, and how
// much of a stream an append reads.
import { KurrentDBClient, binaryEvent } from '@kurrent/kurrentdb-client';
import t from 'tap';
import { StreamRevisionConflictError } from '../../src/store/eventStore.js';
import {
  freshStream,
  ids,
  newEvent,
  newEvents,
  rejectionOf,
} from '../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

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
