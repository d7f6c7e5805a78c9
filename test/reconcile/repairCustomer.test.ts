import t, { type Test } from 'tap';
import type { CustomerDetails, CustomerListItem } from '../../src/compilot/comPilotTypes.js';
import type { CustomersApi } from '../../src/compilot/customers.js';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { createRepairer } from '../../src/reconcile/repairCustomer.js';
import { ZERO_COUNTS } from '../../src/reconcile/runRecords.js';
import type { EventStore } from '../../src/store/eventStore.js';
import {
  encryptedStore,
  eraseAtOnce,
  snapshotsAfterErasure,
  type EncryptedStore,
} from '../helpers/encryptedStore.js';
import { appendWebhook, CUSTOMER_ID, detailsBody, fixture } from '../helpers/projectionEvents.js';

/** ComPilot's list entry once the customer is onboarded (the ledger still says "Started"). */
const ONBOARDED: CustomerListItem = {
  id: CUSTOMER_ID,
  status: 'Active',
  risk_score: 'Low',
  onboarding_level: 'Onboarded',
} as unknown as CustomerListItem;

/**
 * A repairer over an encrypted store holding the customer's creation, whose details call runs
 * `meanwhile` (what happens in the ledger while ComPilot answers) before it answers.
 */
async function setUp(t: Test, meanwhile: (ledger: EncryptedStore) => Promise<unknown>) {
  const ledger = encryptedStore(t);
  const { store } = ledger;
  await appendWebhook(store, fixture('customer.created'), 'msg_1');
  const customers = {
    async getCustomerDetails() {
      await meanwhile(ledger);
      const json = detailsBody();
      return {
        status: 200,
        body: Buffer.from(JSON.stringify(json), 'utf8'),
        json: json as unknown as CustomerDetails,
        path: `/customers/${CUSTOMER_ID}/details`,
      };
    },
  } as unknown as CustomersApi;
  const counts = { ...ZERO_COUNTS };
  const repairer = createRepairer({
    store,
    customers,
    signal: new AbortController().signal,
    clock: () => new Date('2025-03-03T09:40:00.000Z'),
    logger: createLogger('silent'),
    runId: 'run-1',
    startRef: { id: 'start-1', position: '00000000000000000001' },
    dryRun: false,
    counts,
    onDifference: () => undefined,
  });
  return { store, counts, repairer };
}

async function snapshotsOf(store: EventStore) {
  const events = await store.readStream(customerStream(CUSTOMER_ID));
  return events.filter((e) => e.type === DETAILS_EVENT_TYPE);
}

void t.test('a difference the ledger still shows is repaired with a snapshot', async (t) => {
  const { store, counts, repairer } = await setUp(t, () => Promise.resolve());
  await repairer.checkEntry(ONBOARDED);
  t.same([counts.differing, counts.fetched, counts.appended, counts.unconfirmed], [1, 1, 1, 0]);
  t.equal((await snapshotsOf(store)).length, 1);
});

void t.test(
  'a webhook that arrives while the details are fetched leaves nothing to repair',
  async (t) => {
    const { store, counts, repairer } = await setUp(t, ({ store }) =>
      appendWebhook(store, fixture('customer.updated'), 'msg_2'),
    );
    await repairer.checkEntry(ONBOARDED);
    t.same([counts.differing, counts.fetched, counts.appended, counts.unconfirmed], [1, 1, 0, 1]);
    t.same(await snapshotsOf(store), [], 'no snapshot claims a difference the log no longer has');
  },
);

void t.test(
  'a customer erased while the details are fetched gets nothing after the erasure',
  async (t) => {
    const { store, counts, repairer } = await setUp(t, (ledger) =>
      eraseAtOnce(ledger, CUSTOMER_ID),
    );
    await repairer.checkEntry(ONBOARDED);
    t.same([counts.appended, counts.unconfirmed], [0, 1]);
    t.same(
      await snapshotsAfterErasure(store, CUSTOMER_ID),
      [],
      'the erasure record is there, and no details snapshot brings the data back',
    );
  },
);
