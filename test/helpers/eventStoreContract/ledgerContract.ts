/** Contract: every event carries its link in its stream's hash chain, and ids are store-wide. */
import type { Test } from 'tap';
import {
  EventIdInOtherStreamError,
  InvalidAppendError,
  type EventStore,
  type RecordedEvent,
} from '../../../src/store/eventStore.js';
import { recomputeLink } from '../../../src/ledger/chain.js';
import { GENESIS_LINK, sha256Hex } from '../../../src/ledger/link.js';
import {
  freshStream,
  ids,
  newEvent,
  newEvents,
  readAllAfter,
  rejectionOf,
  type EventStoreContractOptions,
} from './support.js';

/**
 * Checks a whole stream (revision 0 to its head) links from GENESIS, each link recomputed from
 * the event's content alone.
 */
function checkChain(t: Test, events: readonly RecordedEvent[], what: string): void {
  let previous = GENESIS_LINK;
  const broken: string[] = [];
  events.forEach((event, index) => {
    const expected = recomputeLink(event, previous);
    if (
      event.revision !== BigInt(index) ||
      event.link !== expected.link ||
      event.dataSha256 !== sha256Hex(event.data)
    ) {
      broken.push(`revision ${index}`);
    }
    previous = expected.link;
  });
  t.strictSame(broken, [], `${what}: every link recomputes from content and the previous link`);
}

export function ledgerContract(t: Test, options: EventStoreContractOptions): void {
  const { makeStore, makeReopenableStore } = options;

  void t.test(
    'links chain from the genesis link and recompute from what readStream and readAll return',
    async (t) => {
      const store = await makeStore(t);
      const stream = freshStream();
      const before = await store.headPosition();
      const metadata = { z: 1, a: { y: [2, { c: 'é', b: null }], x: 'x' }, receivedAt: 'now' };
      await store.appendToStream(stream, [newEvent({ metadata }), newEvent()]);
      await store.appendToStream(stream, [newEvent({ data: new Uint8Array(0) })]);
      const read = await store.readStream(stream);
      t.equal(read.length, 3, 'three events');
      t.match(read[0]!.link, /^[0-9a-f]{64}$/, 'a link is 64 hex digits');
      t.not(read[0]!.link, read[1]!.link, 'each event has its own link');
      t.strictSame(read[0]!.metadata, metadata, 'metadata reads back without a ledger entry');
      checkChain(t, read, 'readStream');
      const fromLog = (await readAllAfter(store, before)).filter((e) => e.streamName === stream);
      t.strictSame(
        fromLog.map((event) => [event.link, event.dataSha256]),
        read.map((event) => [event.link, event.dataSha256]),
        'readAll returns the same links and digests',
      );
      const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      t.equal(backwards[0]!.link, read[2]!.link, 'a backwards read returns the head link');
    },
  );

  void t.test('a changed byte, type or metadata value changes the recomputed link', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    await store.appendToStream(stream, [newEvent({ metadata: { receivedAt: 'then' } })]);
    const [event] = (await store.readStream(stream)) as [RecordedEvent];
    const forged: RecordedEvent[] = [
      { ...event, data: Buffer.concat([event.data, Buffer.from(' ')]) },
      { ...event, type: 'contract.forged' },
      { ...event, metadata: { receivedAt: 'later' } },
      { ...event, streamName: freshStream() },
    ];
    for (const copy of forged) {
      t.not(recomputeLink(copy, GENESIS_LINK).link, event.link, 'the stored link no longer fits');
    }
  });

  void t.test('metadata holding the reserved key "ledger" is refused', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    const error = await rejectionOf(
      t,
      store.appendToStream(stream, [newEvent({ metadata: { ledger: { link: 'x' } } })]),
    );
    t.type(error, InvalidAppendError, 'fails with InvalidAppendError');
    t.match((error as Error).message, /"ledger"/, 'the message names the key');
    t.strictSame(await store.readStream(stream), [], 'nothing was written');
  });

  void t.test('twenty concurrent appends to one stream still form one chain', async (t) => {
    const store = await makeStore(t);
    const stream = freshStream();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.appendToStream(stream, newEvents(1 + (i % 2)))),
    );
    const read = await store.readStream(stream);
    t.equal(read.length, 30, 'every event is stored');
    checkChain(t, read, 'after concurrent appends');
  });

  void t.test('an event id stored in another stream fails the append', async (t) => {
    const store = await makeStore(t);
    const [first, second] = [freshStream(), freshStream()];
    const event = newEvent();
    await store.appendToStream(first, [event]);
    const fresh = newEvent();
    const error = await rejectionOf(t, store.appendToStream(second, [fresh, event]));
    t.type(error, EventIdInOtherStreamError, 'fails with EventIdInOtherStreamError');
    const conflict = error as EventIdInOtherStreamError;
    t.equal(conflict.type, 'event-id-in-other-stream', 'the discriminant names the conflict');
    t.equal(conflict.streamName, second, 'the error names the stream appended to');
    t.equal(conflict.eventId, event.id, 'the error names the id');
    t.equal(conflict.existingStream, first, 'the error names the stream that holds the id');
    t.strictSame(await store.readStream(second), [], 'nothing was written');
    const again = await store.appendToStream(first, [event]);
    t.equal(again.duplicate, true, 'in its own stream the id is still a duplicate');
    const later = await store.appendToStream(second, [fresh]);
    t.equal(later.duplicate, false, 'the other ids can still be appended');
  });

  if (makeReopenableStore) {
    void t.test('links survive a reopen and later appends chain onto them', async (t) => {
      const { store, reopen } = await makeReopenableStore(t);
      const stream = freshStream();
      await store.appendToStream(stream, newEvents(2));
      const before = await store.readStream(stream);
      const reopened: EventStore = await reopen();
      const after = await reopened.readStream(stream);
      t.strictSame(
        after.map((event) => event.link),
        before.map((event) => event.link),
        'the links read back unchanged',
      );
      const event = newEvent();
      await reopened.appendToStream(stream, [event], { expected: 1n });
      const all = await reopened.readStream(stream);
      t.strictSame(ids(all).slice(-1), [event.id], 'the new event is the head');
      checkChain(t, all, 'after reopening');
    });
  }
}
