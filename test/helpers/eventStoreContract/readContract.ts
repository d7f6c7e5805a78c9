/** Contract: readAll, readStream, headPosition, checkWritable and close. */
import type { Test } from 'tap';
import { StoreUnavailableError } from '../../../src/store/eventStore.js';
import {
  checkPositionOrder,
  freshStream,
  ids,
  newEvent,
  newEvents,
  rejectionOf,
  type EventStoreContractOptions,
} from './support.js';

export function readContract(t: Test, options: EventStoreContractOptions): void {
  const { makeStore, nextPosition, startsEmpty = true } = options;

  void t.test(
    'readAll pages through the log in commit order with after and maxCount',
    async (t) => {
      const store = await makeStore(t);
      const before = await store.headPosition();
      const streams = [freshStream(), freshStream(), freshStream()];
      const appended = [];
      for (let i = 0; i < 25; i += 1) {
        const event = newEvent();
        await store.appendToStream(streams[i % 3]!, [event]);
        appended.push(event);
      }
      const pages = [];
      let after = before;
      for (;;) {
        const page = await store.readAll({ after, maxCount: 10 });
        pages.push(page.length);
        if (page.length === 0) break;
        after = page.at(-1)!.position;
      }
      t.strictSame(pages, [10, 10, 5, 0], 'pages of 10, 10 and 5, then an empty page');
      const read = [];
      after = before;
      for (let page = await store.readAll({ after }); page.length > 0;) {
        read.push(...page);
        after = page.at(-1)!.position;
        page = await store.readAll({ after });
      }
      t.strictSame(ids(read), ids(appended), 'the log holds the events in commit order');
      checkPositionOrder(t, read, nextPosition);
      const middle = await store.readAll({ after: read[11]!.position, maxCount: 2 });
      t.strictSame(ids(middle), ids(read.slice(12, 14)), '`after` is exclusive');
    },
  );

  void t.test('readAll returns at most 1000 events unless told otherwise', async (t) => {
    const store = await makeStore(t);
    const before = await store.headPosition();
    const events = Array.from({ length: 1001 }, () => newEvent({ data: Buffer.from('x') }));
    await store.appendToStream(freshStream(), events);
    t.equal((await store.readAll({ after: before })).length, 1000, 'the default page is 1000');
    const all = await store.readAll({ after: before, maxCount: 2000 });
    t.equal(all.length, 1001, 'maxCount raises it');
  });

  void t.test(
    'readStream reads forwards, backwards, from a revision and up to maxCount',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      await store.appendToStream(stream, newEvents(5));
      await store.appendToStream(freshStream(), newEvents(2));
      const revisions = async (options: Parameters<typeof store.readStream>[1]) =>
        (await store.readStream(stream, options)).map((event) => Number(event.revision));
      t.strictSame(await revisions({}), [0, 1, 2, 3, 4], 'forwards by default');
      t.strictSame(await revisions({ direction: 'backwards' }), [4, 3, 2, 1, 0], 'backwards');
      t.strictSame(await revisions({ fromRevision: 2n }), [2, 3, 4], 'fromRevision is inclusive');
      t.strictSame(
        await revisions({ direction: 'backwards', fromRevision: 2n }),
        [2, 1, 0],
        'backwards from a revision goes down from it',
      );
      t.strictSame(await revisions({ maxCount: 2 }), [0, 1], 'maxCount limits forwards reads');
      t.strictSame(
        await revisions({ direction: 'backwards', maxCount: 1 }),
        [4],
        'backwards with maxCount 1 reads the last event',
      );
      t.strictSame(await revisions({ fromRevision: 1n, maxCount: 2 }), [1, 2], 'both combine');
      t.strictSame(await revisions({ fromRevision: 9n }), [], 'past the end reads as empty');
    },
  );

  void t.test('a stream that does not exist reads as empty', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    t.strictSame(await store.readStream(stream), [], 'forwards');
    t.strictSame(await store.readStream(stream, { direction: 'backwards' }), [], 'backwards');
  });

  void t.test('headPosition follows the last append', async (t) => {
    const store = await makeStore(t);
    if (startsEmpty) t.equal(await store.headPosition(), undefined, 'an empty log has no head');
    const first = await store.appendToStream(freshStream(), newEvents(2));
    t.equal(await store.headPosition(), first.position, 'the head is the last appended event');
    const second = await store.appendToStream(freshStream(), [newEvent()]);
    t.ok(second.position > first.position, 'a later append has a greater position');
    t.equal(await store.headPosition(), second.position, 'the head moves with it');
  });

  void t.test(
    'an open store is writable; after close, appends fail with StoreUnavailableError',
    async (t) => {
      const store = await makeStore(t);
      await t.resolves(store.checkWritable(), 'checkWritable resolves on an open store');
      await store.close();
      const error = await rejectionOf(t, store.appendToStream(freshStream(), [newEvent()]));
      t.type(error, StoreUnavailableError, 'an append after close is refused');
      t.equal((error as StoreUnavailableError | undefined)?.type, 'store-unavailable', 'type');
      t.type(
        await rejectionOf(t, store.checkWritable()),
        StoreUnavailableError,
        'a closed store is not writable',
      );
      await t.resolves(store.close(), 'close can be called twice');
    },
  );
}
