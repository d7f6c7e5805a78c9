/** Contract: appends, expected states and rejected appends. */
import type { Test } from 'tap';
import {
  InvalidAppendError,
  StreamRevisionConflictError,
  isEventStoreError,
  type EventStoreError,
  type ExpectedState,
  type NewEvent,
} from '../../../src/store/eventStore.js';
import {
  freshStream,
  ids,
  newEvent,
  newEvents,
  readAllAfter,
  rejectionOf,
  type EventStoreContractOptions,
} from './support.js';

export function appendContract(t: Test, options: EventStoreContractOptions): void {
  const { makeStore, nextPosition } = options;

  void t.test(
    'appended events read back byte-exact with id, type, metadata and revision',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const view = new Uint8Array([9, 9, 0xff, 0xfe, 0x00, 0xc3, 0x28, 9]).subarray(2, 7);
      const events: NewEvent[] = [
        newEvent({ data: Buffer.from('{"name":"Zoë","n":1.50, "x" : [ ]}\n'), type: 'json.body' }),
        newEvent({ data: allBytes, type: 'binary.body' }),
        newEvent({ data: view, type: 'view.body' }),
        newEvent({ data: new Uint8Array(0), type: 'empty.body' }),
      ];
      const metadata = { svixId: 'msg_1', nested: { list: [1, 'two', null, true] }, text: 'é€😀' };
      events[0] = { ...events[0]!, metadata };
      const before = await store.headPosition();
      const startedAt = Date.now();

      const result = await store.appendToStream(stream, events, { expected: 'no_stream' });
      const read = await store.readStream(stream);

      t.equal(result.nextExpectedRevision, 3n, 'nextExpectedRevision is the last 0-based revision');
      t.equal(result.duplicate, false, 'a first append is not a duplicate');
      t.equal(result.position, read.at(-1)?.position, 'the result names the last event position');
      t.strictSame(ids(read), ids(events), 'events come back in append order');
      read.forEach((event, i) => {
        const sent = events[i]!;
        t.equal(event.streamName, stream, `event ${i} names its stream`);
        t.equal(event.revision, BigInt(i), `event ${i} has revision ${i}`);
        t.equal(event.type, sent.type, `event ${i} keeps its type`);
        t.ok(Buffer.isBuffer(event.data), `event ${i} data is a Buffer`);
        t.equal(
          Buffer.compare(event.data, Buffer.from(sent.data)),
          0,
          `event ${i} bytes are exact`,
        );
        t.strictSame(event.metadata, sent.metadata, `event ${i} metadata round-trips`);
        t.ok(event.recordedAt instanceof Date, `event ${i} has a recordedAt date`);
        const skew = Math.abs(event.recordedAt.getTime() - startedAt);
        t.ok(skew < 5 * 60_000, `event ${i} recordedAt is the store's current time`);
      });
      t.equal(read[2]!.data.length, 5, 'a Uint8Array view stores only the bytes it covers');
      const all = await readAllAfter(store, before);
      t.strictSame(ids(all), ids(events), 'the global log holds the same events');
      t.strictSame(
        all.map((event) => event.position),
        read.map((event) => event.position),
        'positions agree between readStream and readAll',
      );
    },
  );

  void t.test('revisions are 0-based and nextExpectedRevision chains appends', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    const first = await store.appendToStream(stream, [newEvent()]);
    t.equal(first.nextExpectedRevision, 0n, 'the first event of a stream has revision 0');
    const second = await store.appendToStream(stream, newEvents(2), {
      expected: first.nextExpectedRevision,
    });
    t.equal(second.nextExpectedRevision, 2n, 'two more events end at revision 2');
    const read = await store.readStream(stream);
    t.strictSame(
      read.map((event) => event.revision),
      [0n, 1n, 2n],
      'revisions are contiguous from 0',
    );
  });

  async function conflictOf(
    t: Test,
    promise: Promise<unknown>,
  ): Promise<StreamRevisionConflictError | undefined> {
    const error = await rejectionOf(t, promise);
    t.type(error, StreamRevisionConflictError, 'fails with StreamRevisionConflictError');
    t.ok(isEventStoreError(error), 'which is an EventStoreError');
    return error instanceof StreamRevisionConflictError ? error : undefined;
  }

  void t.test(
    'expected no_stream succeeds on a new stream and conflicts on an existing one',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const result = await store.appendToStream(stream, [newEvent()], { expected: 'no_stream' });
      t.equal(result.nextExpectedRevision, 0n, 'the new stream is at revision 0');
      const error = await conflictOf(
        t,
        store.appendToStream(stream, [newEvent()], { expected: 'no_stream' }),
      );
      t.equal(error?.type, 'stream-revision-conflict', 'the discriminant names the conflict');
      t.equal(error?.streamName, stream, 'the error names the stream');
      t.equal(error?.expected, 'no_stream', 'the error carries the expected state');
      t.equal(error?.actual, 0n, 'the error carries the actual revision');
    },
  );

  void t.test(
    'expected stream_exists conflicts on a missing stream and succeeds on an existing one',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const error = await conflictOf(
        t,
        store.appendToStream(stream, [newEvent()], { expected: 'stream_exists' }),
      );
      t.equal(error?.expected, 'stream_exists', 'the error carries the expected state');
      t.equal(error?.actual, 'no_stream', "the actual state of a missing stream is 'no_stream'");
      await store.appendToStream(stream, [newEvent()]);
      const result = await store.appendToStream(stream, [newEvent()], {
        expected: 'stream_exists',
      });
      t.equal(result.nextExpectedRevision, 1n, 'the append to the existing stream succeeds');
    },
  );

  void t.test(
    'an exact expected revision succeeds only when it is the last revision',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const missing = await conflictOf(
        t,
        store.appendToStream(stream, [newEvent()], { expected: 0n }),
      );
      t.equal(missing?.actual, 'no_stream', 'revision 0 does not exist in a missing stream');
      await store.appendToStream(stream, newEvents(2), { expected: 'no_stream' });
      for (const expected of [0n, 2n, 5n]) {
        const error = await conflictOf(t, store.appendToStream(stream, [newEvent()], { expected }));
        t.equal(error?.expected, expected, `expected ${expected} is reported`);
        t.equal(error?.actual, 1n, `expected ${expected} conflicts with actual revision 1`);
      }
      const result = await store.appendToStream(stream, [newEvent()], { expected: 1n });
      t.equal(result.nextExpectedRevision, 2n, 'expected 1n appends at revision 2');
    },
  );

  void t.test("expected 'any' (the default) appends whatever the stream's state", async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    const first = await store.appendToStream(stream, [newEvent()], { expected: 'any' });
    const second = await store.appendToStream(stream, [newEvent()]);
    t.equal(first.nextExpectedRevision, 0n, "'any' creates the stream");
    t.equal(second.nextExpectedRevision, 1n, 'no expected state means any');
  });

  void t.test(
    'a rejected append leaves no trace and the next correct append continues contiguously',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const first = await store.appendToStream(stream, [newEvent()], { expected: 'no_stream' });
      const headBefore = await store.headPosition();
      const rejected = newEvent();
      const wrong: ExpectedState[] = [5n, 'no_stream', 1n];
      for (const expected of wrong) {
        await conflictOf(t, store.appendToStream(stream, [rejected], { expected }));
      }
      t.equal(await store.headPosition(), headBefore, 'the rejected appends wrote nothing');
      t.equal((await store.readStream(stream)).length, 1, 'the stream still holds one event');

      const retried = await store.appendToStream(stream, [rejected], { expected: 0n });
      t.equal(retried.duplicate, false, "the rejected event's id was not recorded");
      t.equal(retried.nextExpectedRevision, 1n, 'the correct append lands at revision 1');
      const read = await store.readStream(stream);
      t.strictSame(
        read.map((event) => event.revision),
        [0n, 1n],
        'revisions stay contiguous after rejections',
      );
      if (nextPosition) {
        t.equal(retried.position, nextPosition(first.position), 'a rejection consumes no position');
      }
    },
  );

  void t.test('an invalid append fails with InvalidAppendError and writes nothing', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    const headBefore = await store.headPosition();
    const repeated = newEvent();
    const cases: [string, readonly NewEvent[]][] = [
      ['an empty event list', []],
      ['an id repeated within the append', [repeated, { ...newEvent(), id: repeated.id }]],
      ['an id that is not a UUID', [newEvent({ id: 'not-a-uuid' })]],
      [
        'metadata that is not an object',
        [newEvent({ metadata: [] as unknown as NewEvent['metadata'] })],
      ],
      ['data that is not bytes', [newEvent({ data: 'text' as unknown as Uint8Array })]],
    ];
    for (const [what, events] of cases) {
      const error = await rejectionOf(t, store.appendToStream(stream, events));
      t.type(error, InvalidAppendError, `${what} is an InvalidAppendError`);
      t.equal((error as EventStoreError | undefined)?.type, 'invalid-append', `${what}: type`);
    }
    t.strictSame(await store.readStream(stream), [], 'nothing was written to the stream');
    t.equal(await store.headPosition(), headBefore, 'nothing was written to the log');
  });
}
