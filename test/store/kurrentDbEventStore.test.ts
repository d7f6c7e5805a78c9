// The KurrentDB adapter held to the event store contract. The rest of its behaviour, over the
// same gRPC double, is in kurrentDbEventStore.<aspect>.test.ts beside this file.
import t from 'tap';
import { openKurrentDbEventStore } from '../../src/store/kurrentDbEventStore.js';
import { eventStoreContract } from '../helpers/eventStoreContract.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

// Always: the real client (gRPC appends, Rust-bridge reads) against the in-memory gRPC double.
eventStoreContract(t, {
  name: 'the KurrentDB adapter over the gRPC test double',
  makeStore: async (t) => (await storeOverDouble(t)).store,
  makeReopenableStore: async (t) => {
    const { store, openAnother } = await storeOverDouble(t);
    const reopen = async () => {
      await store.close();
      return openAnother();
    };
    return { store, reopen };
  },
});

const serverUrl = process.env.KURRENTDB_URL;
if (serverUrl) {
  eventStoreContract(t, {
    name: `the KurrentDB adapter against the server at KURRENTDB_URL`,
    makeStore: (t) => {
      const store = openKurrentDbEventStore({ connectionString: serverUrl });
      t.teardown(() => store.close());
      return Promise.resolve(store);
    },
    startsEmpty: false,
  });
} else {
  const reason =
    'KURRENTDB_URL is not set (e.g. KURRENTDB_URL="kurrentdb://localhost:2113?tls=false"); no KurrentDB server runs here';
  void t.test('the KurrentDB adapter against a real server', { skip: reason }, async () => {});
}
