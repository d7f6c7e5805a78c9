import { join } from 'node:path';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { customerStream } from '../../src/events/streams.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import {
  alertCountsByStatus,
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  InvalidCursorError,
  listAlerts,
  listCustomers,
} from '../../src/readmodel/queries.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import {
  appendJourney,
  appendWebhook,
  detailsBody,
  detailsEvent,
  fixture,
} from '../helpers/projectionEvents.js';
import { silent } from '../helpers/projectionHarness.js';

const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';

async function readModel(t: Test) {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  const db = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(async () => {
    db.close();
    await store.close();
  });
  // 12 customers; even ones have an open alert; cust-3 shares the fixture wallet with cust-4
  for (let n = 0; n < 12; n++) await appendJourney(store, n);
  await appendWebhook(
    store,
    fixture('alert.updated', { id: 'alrt-0', customerId: 'cust-0', status: 'Closed' }),
    'close-0',
  );
  await appendWebhook(
    store,
    fixture('alert.created', { id: 'alrt-0b', customerId: 'cust-0' }),
    'open-0b',
  );
  await appendWebhook(
    store,
    fixture('alert.deleted', { id: 'alrt-2', customerId: 'cust-2' }),
    'delete-2',
  );
  await store.appendToStream(customerStream('cust-5'), [
    detailsEvent(
      detailsBody({
        id: 'cust-5',
        updatedAt: '2025-04-01T00:00:00.000Z',
        riskScore: 'High',
        customerWallets: [
          { wallet: 'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb', blockchainNamespace: 'tezos' },
        ],
      }),
      [],
    ),
  ]);
  await rebuildProjections(projections, { store, db, logger: silent });
  return db;
}

void t.test('queries answer as for an empty read model before the first build', (t) => {
  const db = openReadModel(join(t.testdir(), 'empty.db'));
  t.teardown(() => db.close());
  t.equal(getCustomer(db, 'x'), undefined);
  t.same(listCustomers(db, { limit: 10 }), { items: [], nextCursor: null });
  t.same(getKycHistory(db, 'x'), []);
  t.equal(getAlert(db, 'x'), undefined);
  t.same(listAlerts(db, { limit: 10 }), { items: [], nextCursor: null });
  t.same(findWalletOwners(db, EVM), []);
  t.same(alertCountsByStatus(db, 'x'), {});
  t.end();
});

void t.test('getCustomer returns the state with its alert counts', async (t) => {
  const db = await readModel(t);
  t.match(getCustomer(db, 'cust-0'), {
    customerId: 'cust-0',
    status: 'Active',
    riskScore: 'Low',
    onboardingLevel: 'Onboarded',
    openAlertCount: 1,
    alertCounts: { Closed: 1, Open: 1 },
  });
  t.match(
    getCustomer(db, 'cust-2'),
    { openAlertCount: 0, alertCounts: {} },
    'deleted alerts do not count',
  );
  t.equal(getCustomer(db, 'nobody'), undefined);
});

void t.test('listCustomers filters and pages with opaque cursors', async (t) => {
  const db = await readModel(t);
  const high = listCustomers(db, { riskScore: 'High', limit: 100 });
  t.same(
    high.items.map((c) => c.customerId),
    ['cust-11', 'cust-2', 'cust-5', 'cust-8'],
  );
  t.equal(listCustomers(db, { status: 'Rejected', limit: 5 }).items.length, 0);
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = listCustomers(db, { limit: 5, cursor });
    pages.push(page.items.map((c) => c.customerId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  t.same(
    pages.map((p) => p.length),
    [5, 5, 2],
  );
  t.equal(new Set(pages.flat()).size, 12, 'every customer once');
  t.match(listCustomers(db, { limit: 1 }).items[0], {
    customerId: 'cust-0',
    openAlertCount: 1,
    deleted: false,
  });
  t.throws(() => listCustomers(db, { limit: 5, cursor: 'bogus' }), InvalidCursorError);
});

void t.test(
  'list pages stop at their byte cap and their cursors still walk every row once',
  async (t) => {
    const db = await readModel(t);
    const one = JSON.stringify(listCustomers(db, { limit: 1 }).items[0]).length;
    // Room for the page's own fields (4 KiB) plus about two summaries.
    const maxBytes = 4 * 1024 + 2 * one + 10;
    const sizes: number[] = [];
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = listCustomers(db, { limit: 500, cursor, maxBytes });
      sizes.push(page.items.length);
      seen.push(...page.items.map((c) => c.customerId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && sizes.length < 50);
    t.ok(
      sizes.every((n) => n >= 1 && n <= 2),
      `pages of ${sizes.join(', ')}`,
    );
    t.same(
      seen,
      listCustomers(db, { limit: 500 }).items.map((c) => c.customerId),
    );
    // A cap smaller than any row still answers one row per page.
    const tiny = listAlerts(db, { limit: 500, maxBytes: 1 });
    t.equal(tiny.items.length, 1);
    t.type(tiny.nextCursor, 'string');
  },
);

void t.test('getKycHistory lists the changes in ComPilot time order', async (t) => {
  const db = await readModel(t);
  // cust-3's update was delivered before its creation.
  const history = getKycHistory(db, 'cust-3');
  t.same(
    history.map((e) => [e.kind, e.from, e.to]),
    [
      ['onboardingLevel', null, 'Started'],
      ['status', null, 'Active'],
      ['onboardingLevel', 'Started', 'Onboarded'],
      ['riskScore', null, 'Low'],
      ['scenario', null, 'valid'],
    ],
  );
  t.same(
    history.map((e) => e.seq),
    [0, 1, 2, 3, 4],
  );
  t.equal(history[1]!.evidence.source, 'webhook');
  t.equal(history[1]!.evidence.snapshot, null, 'cust-3’s snapshot was fetched for its creation');
  const four = getKycHistory(db, 'cust-4').find((e) => e.kind === 'status')!;
  t.match(four.evidence, {
    source: 'webhook',
    webhook: { svixId: 'j4-2' },
    snapshot: { fetchedAt: '2025-03-03T09:31:00.000Z' },
  });
  t.same(getKycHistory(db, 'nobody'), []);
});

void t.test('alerts: one by id, lists by customer and status, counts by status', async (t) => {
  const db = await readModel(t);
  t.match(getAlert(db, 'alrt-0'), { status: 'Closed', customerId: 'cust-0', deleted: false });
  t.match(getAlert(db, 'alrt-2'), { deleted: true });
  t.same(
    listAlerts(db, { customerId: 'cust-0', limit: 10 }).items.map((a) => [a.alertId, a.status]),
    [
      ['alrt-0', 'Closed'],
      ['alrt-0b', 'Open'],
    ],
  );
  t.same(listAlerts(db, { status: 'Open', limit: 100 }).items.length, 5, 'deleted alerts left out');
  t.same(listAlerts(db, { status: 'Closed', limit: 100 }).items.length, 1);
  t.same(listAlerts(db, { status: 'Closed', limit: 100, includeDeleted: true }).items.length, 2);
  const first = listAlerts(db, { limit: 2 });
  const second = listAlerts(db, { limit: 2, cursor: first.nextCursor! });
  t.notSame(first.items[0]!.alertId, second.items[0]!.alertId);
  t.same(alertCountsByStatus(db, 'cust-0'), { Closed: 1, Open: 1 });
});

void t.test(
  'findWalletOwners matches EVM addresses case-insensitively and others exactly',
  async (t) => {
    const db = await readModel(t);
    const owners = findWalletOwners(db, EVM.toUpperCase().replace('0X', '0x'));
    t.same(owners.map((o) => o.customerId).length, 12, 'the fixture wallet is every customer’s');
    t.match(owners[0], { address: EVM, namespace: 'eip155', verified: true, source: 'details' });
    t.same(
      findWalletOwners(db, 'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb').map((o) => o.customerId),
      ['cust-5'],
    );
    t.same(
      findWalletOwners(db, 'TZ1VSUR8WWNHLAZEMPOCH5D6HLRITH8CJCJB'),
      [],
      'non-EVM: exact match only',
    );
  },
);
