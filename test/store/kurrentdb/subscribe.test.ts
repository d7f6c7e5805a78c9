import grpc from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import type { EventStore, SubscriptionBatch } from '../../../src/store/eventStore.js';
import { StoreUnavailableError } from '../../../src/store/eventStore.js';
import {
  collectBatches,
  eventsOf,
  freshStream,
  ids,
  newEvents,
  nextBatch,
} from '../../helpers/eventStoreContract/support.js';
import { storeOverDouble, waitFor } from '../../helpers/kurrentGrpcDouble/storeOverDouble.js';

function follow(t: Test, store: EventStore, batchSize?: number) {
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const subscription = store.subscribe({ signal: controller.signal, batchSize });
  const iterator = subscription[Symbol.asyncIterator]();
  return { iterator, controller };
}

const untilEvents =
  (count: number) =>
  (batches: readonly SubscriptionBatch[]): boolean =>
    eventsOf(batches).length >= count;

void t.test(
  'a dropped subscription resumes after the last delivered event, without gaps or repeats',
  async (t) => {
    const { store, double } = await storeOverDouble(t);
    const stream = freshStream();
    const before = newEvents(5);
    await store.appendToStream(stream, before);
    const { iterator } = follow(t, store, 2);
    const first = await collectBatches(iterator, (b) => untilEvents(5)(b) && b.at(-1)!.caughtUp);
    t.strictSame(ids(eventsOf(first)), ids(before), 'history arrives');

    t.equal(double.dropSubscriptions(grpc.status.ABORTED), 1, 'the server drops the subscription');
    // The subscription is pulled, not pushed: it notices the drop when the consumer asks for more.
    const pending = collectBatches(iterator, untilEvents(3));
    await waitFor(() => double.liveSubscriptionCount() === 1, 'the adapter has resubscribed');
    const after = newEvents(3);
    await store.appendToStream(stream, after);
    const next = await pending;
    t.strictSame(ids(eventsOf(next)), ids(after), 'only the new events arrive, each once');
    t.equal(next.at(-1)!.caughtUp, true, 'and the subscription is caught up again');
  },
);

void t.test(
  'a subscription dropped in the middle of catching up continues where it stopped',
  async (t) => {
    const { store, double } = await storeOverDouble(t);
    // Big enough that gRPC flow control holds most of the history back while the consumer waits.
    const history = newEvents(60).map((event) => ({ ...event, data: Buffer.alloc(16_384, 1) }));
    await store.appendToStream(freshStream(), history);
    const { iterator } = follow(t, store, 4);
    const start = await collectBatches(iterator, untilEvents(8));
    double.dropSubscriptions(grpc.status.UNAVAILABLE);
    const rest = await collectBatches(
      iterator,
      (b) => eventsOf(start).length + eventsOf(b).length >= 60 && b.at(-1)?.caughtUp === true,
    );
    t.strictSame(
      ids([...eventsOf(start), ...eventsOf(rest)]),
      ids(history),
      'the whole history arrives once, in order',
    );
    const systemEvents = double.events().length - history.length;
    const resumedAt = double.subscriptionStarts()[1]! - systemEvents;
    t.ok(
      resumedAt >= 8 && resumedAt < 60,
      `the second subscription started inside the history (at event ${resumedAt})`,
    );
  },
);

void t.test('a subscription survives a server restart', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const { iterator } = follow(t, store);
  t.strictSame((await nextBatch(iterator)).value, { events: [], caughtUp: true }, 'caught up');
  await double.stop();
  const pending = collectBatches(iterator, untilEvents(2));
  await double.start();
  const events = newEvents(2);
  await store.appendToStream(freshStream(), events);
  t.strictSame(ids(eventsOf(await pending)), ids(events), 'events after the restart arrive');
});

void t.test('closing the store ends its subscriptions with StoreUnavailableError', async (t) => {
  const { store } = await storeOverDouble(t);
  const { iterator } = follow(t, store);
  await nextBatch(iterator);
  const waiting = nextBatch(iterator);
  await store.close();
  t.type(
    await waiting.then(
      () => undefined,
      (error: unknown) => error,
    ),
    StoreUnavailableError,
    'the waiting subscriber learns the store closed',
  );
});
