import { randomUUID } from 'node:crypto';
import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { appendUnlessErased } from '../../src/processing/erasureGuard.js';
import {
  StreamRevisionConflictError,
  type EventStore,
  type NewEvent,
} from '../../src/store/eventStore.js';
import { encryptedStore, eraseAtOnce } from '../helpers/encryptedStore.js';
import {
  appendWebhook,
  CUSTOMER_ID,
  detailsBody,
  detailsEvent,
  fixture,
} from '../helpers/projectionEvents.js';

/** The types of the customer's stream, oldest first. */
async function typesIn(store: EventStore): Promise<string[]> {
  return (await store.readStream(customerStream(CUSTOMER_ID))).map((event) => event.type);
}

const snapshot = (): NewEvent => detailsEvent(detailsBody(), [{ id: randomUUID(), position: '1' }]);

/** The store, with `afterRead` run after each of the customer stream's reads returned. */
function interleaved(store: EventStore, afterRead: (reads: number) => Promise<unknown>) {
  let reads = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'readStream') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EventStore['readStream']>) => {
        const events = await target.readStream(...args);
        await afterRead(++reads);
        return events;
      };
    },
  });
}

void t.test(
  'a snapshot is appended when the customer is not erased and it is wanted',
  async (t) => {
    const ledger = encryptedStore(t);
    await appendWebhook(ledger.store, fixture('customer.created'), 'msg_1');
    const event = snapshot();
    t.equal(await appendUnlessErased(ledger.store, CUSTOMER_ID, event), 'appended');
    t.equal(await appendUnlessErased(ledger.store, CUSTOMER_ID, event), 'duplicate');
    t.equal(
      await appendUnlessErased(ledger.store, CUSTOMER_ID, snapshot(), () => false),
      'unwanted',
    );
    t.equal((await ledger.store.readStream(customerStream(CUSTOMER_ID))).length, 2);
  },
);

void t.test(
  'an erasure recorded between the read and the append is seen on the retry',
  async (t) => {
    const ledger = encryptedStore(t);
    await appendWebhook(ledger.store, fixture('customer.created'), 'msg_1');
    const store = interleaved(ledger.store, (reads) =>
      reads === 1 ? eraseAtOnce(ledger, CUSTOMER_ID) : Promise.resolve(),
    );
    t.equal(await appendUnlessErased(store, CUSTOMER_ID, snapshot()), 'erased');
    const types = await typesIn(ledger.store);
    t.notOk(types.includes(DETAILS_EVENT_TYPE), 'nothing follows the erasure');
  },
);

void t.test(
  'a stream that moves after every read ends in the conflict, not a blind append',
  async (t) => {
    const ledger = encryptedStore(t);
    await appendWebhook(ledger.store, fixture('customer.created'), 'msg_1');
    const store = interleaved(ledger.store, (reads) =>
      appendWebhook(ledger.store, fixture('customer.updated'), `msg_busy_${reads}`),
    );
    const error = await appendUnlessErased(store, CUSTOMER_ID, snapshot()).catch((e: unknown) => e);
    t.type(error, StreamRevisionConflictError);
    const types = await typesIn(ledger.store);
    t.notOk(types.includes(DETAILS_EVENT_TYPE));
  },
);
