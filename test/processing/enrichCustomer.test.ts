import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { enrichCustomer, type FetchedDetails } from '../../src/processing/enrichCustomer.js';
import { createEnrichmentMetrics } from '../../src/processing/enrichmentMetrics.js';
import { encryptedStore, eraseAtOnce, snapshotsAfterErasure } from '../helpers/encryptedStore.js';
import { appendWebhook, CUSTOMER_ID, detailsBody, fixture } from '../helpers/projectionEvents.js';

const fetched = (): FetchedDetails => ({
  type: DETAILS_EVENT_TYPE,
  httpStatus: 200,
  body: Buffer.from(JSON.stringify(detailsBody()), 'utf8'),
  apiPath: `/customers/${CUSTOMER_ID}/details`,
  fetchedAt: '2025-03-03T09:31:00.000Z',
});

void t.test(
  'a customer erased while its details are being fetched gets no snapshot after the erasure',
  async (t) => {
    const ledger = encryptedStore(t);
    const { store } = ledger;
    await appendWebhook(store, fixture('customer.created'), 'msg_1');
    const causes = await store.readStream(customerStream(CUSTOMER_ID));
    let fetches = 0;
    const result = await enrichCustomer(
      {
        store,
        metrics: createEnrichmentMetrics(undefined, 'test'),
        logger: createLogger('silent'),
        // The officer erases the customer while ComPilot is still answering.
        fetchDetails: async () => {
          fetches += 1;
          await eraseAtOnce(ledger, CUSTOMER_ID);
          return fetched();
        },
      },
      customerStream(CUSTOMER_ID),
      CUSTOMER_ID,
      causes,
    );

    t.equal(fetches, 1);
    t.equal(result.written, 0, 'nothing appended');
    t.same(
      await snapshotsAfterErasure(store, CUSTOMER_ID),
      [],
      'the erasure record is there, and no details snapshot follows it',
    );
    const events = await store.readStream(customerStream(CUSTOMER_ID));
    t.same(
      events.filter((e) => e.encryption !== undefined).map((e) => e.encryption!.state),
      ['erased'],
      'the only personal data the stream ever held stays erased',
    );
  },
);

void t.test('details are recorded once for the causes still unaccounted for', async (t) => {
  const { store } = encryptedStore(t);
  await appendWebhook(store, fixture('customer.created'), 'msg_1');
  const causes = await store.readStream(customerStream(CUSTOMER_ID));
  const deps = {
    store,
    metrics: createEnrichmentMetrics(undefined, 'test'),
    logger: createLogger('silent'),
    fetchDetails: () => Promise.resolve(fetched()),
  };
  const first = await enrichCustomer(deps, customerStream(CUSTOMER_ID), CUSTOMER_ID, causes);
  const again = await enrichCustomer(deps, customerStream(CUSTOMER_ID), CUSTOMER_ID, causes);

  t.same([first.written, again.written], [1, 0]);
  t.same([first.fetches, again.fetches], [1, 0], 'an accounted cause is not fetched again');
  const events = await store.readStream(customerStream(CUSTOMER_ID));
  t.equal(events.filter((e) => e.type === DETAILS_EVENT_TYPE).length, 1);
});
