import { join } from 'node:path';
import t from 'tap';
import {
  findCustomerIdsByEmail,
  findCustomerIdsByExternalId,
  knownCustomerIds,
  listRecentCustomerIds,
} from '../../src/readmodel/customerSearch.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import {
  JOURNEY,
  seedHostileCustomer,
  seedJourney,
  startViewer,
} from '../helpers/viewerHarness.js';

void t.test(
  'customers are found by external id, by email in any case, and by recency',
  async (t) => {
    const viewer = await startViewer(t);
    await seedJourney(viewer);
    await seedHostileCustomer(viewer);
    await viewer.settle();
    const db = viewer.service.readModelDb;

    t.same(findCustomerIdsByExternalId(db, JOURNEY.externalCustomerId), [JOURNEY.customerId]);
    t.same(findCustomerIdsByExternalId(db, JOURNEY.externalCustomerId.toUpperCase()), []);
    t.same(findCustomerIdsByEmail(db, JOURNEY.email.toUpperCase()), [JOURNEY.customerId]);
    t.same(findCustomerIdsByEmail(db, ` ${JOURNEY.email} `), [JOURNEY.customerId]);
    t.same(findCustomerIdsByEmail(db, 'Lovelace@example.com'), [], 'a whole email, not a part');
    t.same(findCustomerIdsByEmail(db, ''), []);

    const recent = listRecentCustomerIds(db, { limit: 10 });
    t.equal(recent[0], JOURNEY.customerId, 'changed most recently (ComPilot time) first');
    t.equal(recent.length, 2);
    t.same(listRecentCustomerIds(db, { riskScore: 'High', limit: 10 }).length, 1);
    t.same(listRecentCustomerIds(db, { status: 'Rejected', limit: 10 }), []);
    t.same(knownCustomerIds(db), [...recent].sort(), 'every known customer, in id order');
  },
);

void t.test('a read model that never built customer-state knows no customers', (t) => {
  const db = openReadModel(join(t.testdir({}), 'readmodel.db'));
  t.teardown(() => db.close());
  t.same(knownCustomerIds(db), []);
  t.same(findCustomerIdsByExternalId(db, 'ext-1'), []);
  t.end();
});
