// The KurrentDB adapter over the gRPC double (a test fake: no KurrentDB server runs here):
// how it fails when the server is down or refuses an append, and how close ends its work.
import grpc from '@grpc/grpc-js';
import t from 'tap';
import { EventStoreError, StoreUnavailableError } from '../../src/store/eventStore.js';
import { freshStream, ids, newEvent, rejectionOf } from '../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

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
