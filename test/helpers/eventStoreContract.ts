/**
 * The event store contract: one suite every adapter runs unchanged (in-memory, SQLite, and the
 * KurrentDB adapter over its gRPC double or a real server). Stores differ only through the
 * explicit options in {@link EventStoreContractOptions}; nothing here knows an adapter.
 */
import type { Test } from 'tap';
import { appendContract } from './eventStoreContract/appendContract.js';
import { idempotencyContract } from './eventStoreContract/idempotencyContract.js';
import { ledgerContract } from './eventStoreContract/ledgerContract.js';
import { readContract } from './eventStoreContract/readContract.js';
import { subscribeContract } from './eventStoreContract/subscribeContract.js';
import type { EventStoreContractOptions } from './eventStoreContract/support.js';

export type { EventStoreContractOptions };

/** Registers the contract as one subtest of `t` named after the adapter. */
export function eventStoreContract(t: Test, options: EventStoreContractOptions): void {
  void t.test(`${options.name} honours the event store contract`, (t) => {
    appendContract(t, options);
    idempotencyContract(t, options);
    ledgerContract(t, options);
    readContract(t, options);
    subscribeContract(t, options);
    t.end();
  });
}
