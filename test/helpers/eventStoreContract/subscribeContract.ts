/** Contract: catch-up then live subscriptions. */
import type { Test } from 'tap';
import type { EventStore, Position, SubscriptionBatch } from '../../../src/store/eventStore.js';
import {
  checkPositionOrder,
  collectBatches,
  eventsOf,
  freshStream,
  ids,
  newEvent,
  newEvents,
  nextBatch,
  type EventStoreContractOptions,
} from './support.js';

function follow(
  t: Test,
  store: EventStore,
  after: Position | undefined,
  batchSize?: number,
): { iterator: AsyncIterator<SubscriptionBatch>; controller: AbortController } {
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const subscription = store.subscribe({ after, signal: controller.signal, batchSize });
  return { iterator: subscription[Symbol.asyncIterator](), controller };
}

const holdsAll =
  (count: number) =>
  (batches: readonly SubscriptionBatch[]): boolean =>
    eventsOf(batches).length >= count && batches.at(-1)?.caughtUp === true;

export function subscribeContract(t: Test, options: EventStoreContractOptions): void {
  const { makeStore, nextPosition, startsEmpty = true } = options;

  void t.test(
    'subscribe catches up in batches, reports caughtUp at the head, then goes live',
    async (t) => {
      const store = await makeStore(t);
      const before = await store.headPosition();
      const stream = freshStream();
      const history = newEvents(5);
      await store.appendToStream(stream, history);
      const { iterator } = follow(t, store, before, 2);

      const catchUp = await collectBatches(iterator, holdsAll(5));
      t.strictSame(ids(eventsOf(catchUp)), ids(history), 'catch-up delivers history in order');
      t.ok(
        catchUp.every((batch) => batch.events.length <= 2),
        'no batch is larger than batchSize',
      );
      t.ok(catchUp.length >= 3, 'five events at batchSize 2 take at least three batches');
      const reachedHead = catchUp.findIndex((batch) => ids(batch.events).includes(history[4]!.id));
      t.ok(
        catchUp.slice(0, reachedHead).every((batch) => !batch.caughtUp),
        'caughtUp is false until a batch reaches the head',
      );

      const live = newEvent();
      const result = await store.appendToStream(stream, [live]);
      const next = await collectBatches(iterator, (batches) => eventsOf(batches).length >= 1);
      t.strictSame(ids(eventsOf(next)), [live.id], 'a later append is delivered live');
      t.equal(eventsOf(next)[0]!.position, result.position, 'with its position');
      t.equal(next.at(-1)!.caughtUp, true, 'live batches are caught up');
    },
  );

  void t.test('subscribe from a position starts right after it', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    const history = newEvents(5);
    await store.appendToStream(stream, history);
    const middle = (await store.readStream(stream))[2]!.position;
    const { iterator } = follow(t, store, middle);
    const batches = await collectBatches(iterator, holdsAll(2));
    t.strictSame(ids(eventsOf(batches)), ids(history.slice(3)), 'only later events arrive');
  });

  void t.test('subscribing at the head reports caughtUp with an empty batch', async (t) => {
    const store = await makeStore(t);
    await store.appendToStream(freshStream(), newEvents(2));
    const { iterator } = follow(t, store, await store.headPosition());
    const first = await nextBatch(iterator);
    t.strictSame(first.value, { events: [], caughtUp: true }, 'nothing to catch up on');
  });

  if (startsEmpty) {
    void t.test(
      'subscribing to an empty log reports caughtUp, then delivers the first append',
      async (t) => {
        const store = await makeStore(t);
        const { iterator } = follow(t, store, undefined);
        const first = await nextBatch(iterator);
        t.strictSame(first.value, { events: [], caughtUp: true }, 'caught up on an empty log');
        const event = newEvent();
        await store.appendToStream(freshStream(), [event]);
        const next = await collectBatches(iterator, (batches) => eventsOf(batches).length >= 1);
        t.strictSame(ids(eventsOf(next)), [event.id], 'the first event arrives live');
      },
    );
  }

  void t.test('live delivery keeps commit order under concurrent appends', async (t) => {
    const store = await makeStore(t);
    const { iterator } = follow(t, store, await store.headPosition(), 7);
    await nextBatch(iterator);
    const streams = Array.from({ length: 10 }, () => freshStream());
    await Promise.all(
      streams.map(async (stream) => {
        for (let i = 0; i < 3; i += 1) await store.appendToStream(stream, newEvents(1 + (i % 2)));
      }),
    );
    const delivered = eventsOf(await collectBatches(iterator, holdsAll(40)));
    t.equal(delivered.length, 40, 'every event is delivered once');
    checkPositionOrder(t, delivered, nextPosition);
  });

  void t.test('aborting the signal ends a subscription that is waiting for events', async (t) => {
    const store = await makeStore(t);
    const { iterator, controller } = follow(t, store, await store.headPosition());
    await nextBatch(iterator);
    const waiting = nextBatch(iterator);
    controller.abort();
    t.equal((await waiting).done, true, 'the iteration ends');
  });

  void t.test('a subscription whose signal is already aborted yields nothing', async (t) => {
    const store = await makeStore(t);
    await store.appendToStream(freshStream(), [newEvent()]);
    const controller = new AbortController();
    controller.abort();
    const batches = [];
    for await (const batch of store.subscribe({ signal: controller.signal })) batches.push(batch);
    t.strictSame(batches, [], 'the iteration ends at once');
  });
}
