/** Contract: idempotent re-appends and concurrent appends. */
import type { Test } from 'tap';
import {
  IdempotencyConflictError,
  type AppendResult,
  type ExpectedState,
} from '../../../src/store/eventStore.js';
import {
  checkPositionOrder,
  freshStream,
  ids,
  newEvent,
  newEvents,
  readAllAfter,
  rejectionOf,
  type EventStoreContractOptions,
} from './support.js';

export function idempotencyContract(t: Test, options: EventStoreContractOptions): void {
  const { makeStore, nextPosition } = options;

  void t.test(
    're-appending stored ids is a duplicate that writes nothing, whatever the expected state',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const [a, b] = newEvents(2) as [ReturnType<typeof newEvent>, ReturnType<typeof newEvent>];
      const original = await store.appendToStream(stream, [a, b], { expected: 'no_stream' });
      const retry = await store.appendToStream(stream, [a, b], { expected: 'no_stream' });
      t.strictSame(
        retry,
        { nextExpectedRevision: 1n, position: original.position, duplicate: true },
        'an immediate retry is a duplicate with the original position',
      );

      await store.appendToStream(stream, [newEvent()]);
      const head = await store.headPosition();
      const states: ExpectedState[] = [0n, 2n, 7n, 'no_stream', 'stream_exists', 'any'];
      for (const expected of states) {
        const result = await store.appendToStream(stream, [a, b], { expected });
        t.strictSame(
          result,
          { nextExpectedRevision: 2n, position: original.position, duplicate: true },
          `a retry with expected ${String(expected)} is a duplicate at the current revision`,
        );
      }
      const subset = await store.appendToStream(stream, [a], { expected: 'no_stream' });
      t.equal(subset.duplicate, true, 'a subset of stored ids is a duplicate too');
      const stored = await store.readStream(stream);
      t.equal(subset.position, stored[0]!.position, "the subset's position is that of its event");

      const changed = await store.appendToStream(stream, [{ ...a, data: Buffer.from('other') }]);
      t.equal(changed.duplicate, true, 'identity is the id: a changed body is still a duplicate');
      const after = await store.readStream(stream);
      t.equal(after.length, 3, 'no duplicate was written');
      t.equal(after[0]!.data.toString(), Buffer.from(a.data).toString(), 'the stored body is kept');
      t.equal(await store.headPosition(), head, 'the log did not grow');
    },
  );

  void t.test(
    'an append repeating some but not all stored ids fails with IdempotencyConflictError',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const [a, b] = newEvents(2) as [ReturnType<typeof newEvent>, ReturnType<typeof newEvent>];
      await store.appendToStream(stream, [a]);
      const fresh = newEvent();
      const error = await rejectionOf(t, store.appendToStream(stream, [b, a, fresh]));
      t.type(error, IdempotencyConflictError, 'fails with IdempotencyConflictError');
      const conflict = error as IdempotencyConflictError;
      t.equal(conflict.type, 'idempotency-conflict', 'the discriminant names the conflict');
      t.equal(conflict.streamName, stream, 'the error names the stream');
      t.strictSame(conflict.existingIds, [a.id], 'the error lists the ids already stored');
      t.strictSame(ids(await store.readStream(stream)), [a.id], 'nothing was written');
      const next = await store.appendToStream(stream, [b, fresh], { expected: 0n });
      t.equal(next.nextExpectedRevision, 2n, 'the new ids can still be appended');
    },
  );

  for (const expected of ['any', 'no_stream'] as const) {
    void t.test(
      `twenty concurrent appends of one event id (expected ${expected}) store it once`,
      async (t) => {
        const store = await makeStore(t);
        const stream = freshStream();
        const event = newEvent();
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.appendToStream(stream, [event], { expected })),
        );
        t.equal(results.filter((result) => !result.duplicate).length, 1, 'exactly one wrote it');
        t.equal(new Set(results.map((result) => result.position)).size, 1, 'all name one position');
        t.ok(
          results.every((result) => result.nextExpectedRevision === 0n),
          'all report revision 0',
        );
        t.strictSame(ids(await store.readStream(stream)), [event.id], 'the stream holds it once');
      },
    );
  }

  void t.test(
    'concurrent appends to many streams get increasing positions and contiguous revisions',
    async (t) => {
      const store = await makeStore(t);
      const before = await store.headPosition();
      const plan = Array.from({ length: 40 }, (_, i) => ({
        stream: freshStream(),
        batches: [newEvents(1 + (i % 3)), newEvents(1)],
      }));
      const appended: { events: readonly { id: string }[]; result: AppendResult }[] = [];
      await Promise.all(
        plan.map(async ({ stream, batches }) => {
          for (const events of batches) {
            const result = await store.appendToStream(stream, events);
            appended.push({ events, result });
          }
        }),
      );
      const log = await readAllAfter(store, before);
      const total = plan.reduce((sum, { batches }) => sum + batches.flat().length, 0);
      t.equal(log.length, total, 'every event is in the log once');
      checkPositionOrder(t, log, nextPosition);
      const byId = new Map(log.map((event) => [event.id, event]));
      t.ok(
        appended.every(
          ({ events, result }) => byId.get(events.at(-1)!.id)?.position === result.position,
        ),
        "each append's result names the position of its last event",
      );
      for (const { stream, batches } of plan) {
        const read = await store.readStream(stream);
        const inLog = log.filter((event) => event.streamName === stream);
        const contiguous = read.every((event, i) => event.revision === BigInt(i));
        if (!contiguous || read.length !== batches.flat().length) {
          t.fail(`stream ${stream} has gaps or missing events`);
        }
        t.strictSame(ids(inLog), ids(read), `stream ${stream} is in revision order in the log`);
      }
      t.equal(await store.headPosition(), log.at(-1)!.position, 'the head is the last position');
    },
  );
}
