/** Test wiring: the real KurrentDB adapter, connected to a fresh gRPC double (a test fake). */
import type { Test } from 'tap';
import type { EventStore } from '../../../src/store/eventStore.js';
import {
  openKurrentDbEventStore,
  type KurrentDbEventStoreOptions,
} from '../../../src/store/kurrentDbEventStore.js';
import {
  startKurrentGrpcDouble,
  type KurrentGrpcDouble,
  type KurrentGrpcDoubleOptions,
} from './index.js';

export interface StoreOverDouble {
  readonly store: EventStore;
  readonly double: KurrentGrpcDouble;
  /** Another adapter instance on the same double, as a second process would have. */
  readonly openAnother: () => EventStore;
}

export async function storeOverDouble(
  t: Test,
  doubleOptions: KurrentGrpcDoubleOptions = {},
  storeOptions: Partial<KurrentDbEventStoreOptions> = {},
): Promise<StoreOverDouble> {
  const double = await startKurrentGrpcDouble(doubleOptions);
  const stores: EventStore[] = [];
  const open = () => {
    const store = openKurrentDbEventStore({
      connectionString: double.connectionString,
      // Tests stop the double on purpose; retry fast so they do not wait on the production backoff.
      resubscribeBackoff: { initialMs: 20, maxMs: 200 },
      ...storeOptions,
    });
    stores.push(store);
    return store;
  };
  const store = open();
  t.teardown(async () => {
    await Promise.all(stores.map((opened) => opened.close()));
    await double.stop();
  });
  return { store, double, openAnother: open };
}

/** Waits for a condition the test cannot await directly; fails after a generous guard. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
