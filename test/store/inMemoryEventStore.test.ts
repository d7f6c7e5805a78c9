import t from 'tap';
import { nextSequencePosition } from '../../src/store/embedded/sequencePosition.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { eventStoreContract } from '../helpers/eventStoreContract.js';

eventStoreContract(t, {
  name: 'the in-memory event store',
  makeStore: (t) => {
    const store = createInMemoryEventStore();
    t.teardown(() => store.close());
    return Promise.resolve(store);
  },
  nextPosition: nextSequencePosition,
});
