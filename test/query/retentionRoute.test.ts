/**
 * The retention answers over real HTTP: `GET /customers/{id}/retention`, the standing folded
 * from the customer's stream as `erase` decides, including records the `hold` and `offboard`
 * commands just wrote; and `GET /retention/due`, who is due and who is held.
 */
import { join } from 'node:path';
import Koa from 'koa';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/lib/logger.js';
import { createQueryRouter } from '../../src/query/router.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { startServer } from '../helpers/httpServer.js';
import { run as hold } from '../../src/cli/hold.js';
import { run as offboard } from '../../src/cli/offboard.js';
import {
  cliDeps,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  type AuditHarness,
} from '../helpers/auditHarness.js';

const DELETED_AT = '2024-01-10T12:00:00.000Z';

async function retention(t: Test, h: AuditHarness) {
  const res = await h.get(`/customers/${CUSTOMER_ID}/retention`);
  t.equal(res.status, 200, res.body.toString());
  return res.json();
}

async function command(
  h: AuditHarness,
  cli: typeof hold,
  args: string[],
): Promise<{ code: number; stderr: string }> {
  const deps = cliDeps(h.env());
  const code = await cli([CUSTOMER_ID, ...args], deps);
  return { code, stderr: deps.errors() };
}

void t.test('a live customer is active; its deletion starts the period', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await h.deliver(fixtureBody('customer.created', { createdAt: '2023-01-01T00:00:00.000Z' }));
  t.match(await retention(t, h), {
    customerId: CUSTOMER_ID,
    at: '2030-01-01T00:00:00.000Z',
    retentionDays: 1826,
    stage: 'active',
    relationshipEnd: null,
    erasableFrom: null,
  });

  await h.deliver(
    fixtureBody('customer.deleted', { deletedAt: DELETED_AT, updatedAt: DELETED_AT }),
  );
  h.clock.set('2028-06-01T00:00:00.000Z');
  t.match(await retention(t, h), {
    stage: 'retained',
    relationshipEnd: { at: DELETED_AT, source: 'customer.deleted' },
    deletedAt: DELETED_AT,
    erasableFrom: '2029-01-09T12:00:00.000Z',
  });
  h.clock.set('2029-01-09T12:00:00.000Z');
  t.match(await retention(t, h), { stage: 'due' }, 'due from erasableFrom on');
});

void t.test('records the operator just wrote count at once', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await h.deliver(fixtureBody('customer.created', { createdAt: '2023-01-01T00:00:00.000Z' }));

  const off = await command(h, offboard, ['--at', '2024-03-01', '--reason', 'contract ended']);
  t.equal(off.code, 0, off.stderr);
  t.match(await retention(t, h), {
    stage: 'due',
    relationshipEnd: { at: '2024-03-01T23:59:59.999Z', source: 'offboarded' },
  });

  const held = await command(h, hold, ['--reason', 'FIU request 2029/7', '--until', '2099-06-30']);
  t.equal(held.code, 0, held.stderr);
  t.match(await retention(t, h), {
    stage: 'held',
    hold: { until: '2099-06-30T23:59:59.999Z', inEffect: true },
  });
});

void t.test('unknown customers, unknown parameters and missing tokens are refused', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const unknown = await h.get('/customers/nobody/retention');
  t.equal(unknown.status, 404);
  t.match(unknown.json(), { error: /no events are stored for customer nobody/ });
  const extra = await h.get(`/customers/${CUSTOMER_ID}/retention?asOf=2030-01-01`);
  t.equal(extra.status, 400);
  t.match(extra.json(), { error: /asOf/ });
  const anonymous = await h.get(`/customers/${CUSTOMER_ID}/retention`, { token: null });
  t.equal(anonymous.status, 401);
});

void t.test('the due list names who is due, apart from who a hold keeps', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await h.deliver(fixtureBody('customer.created', { createdAt: '2019-01-01T00:00:00.000Z' }));
  await h.deliver(
    fixtureBody('customer.deleted', { deletedAt: DELETED_AT, updatedAt: DELETED_AT }),
  );
  await h.caughtUp();
  const due = await h.get('/retention/due');
  t.equal(due.status, 200);
  t.same(due.json(), {
    at: '2030-01-01T00:00:00.000Z',
    retentionDays: 1826,
    due: [
      {
        customerId: CUSTOMER_ID,
        relationshipEnd: DELETED_AT,
        source: 'customer.deleted',
        dueSince: '2029-01-09T12:00:00.000Z',
      },
    ],
    dueCount: 1,
    held: [],
    heldCount: 0,
  });

  const held = await command(h, hold, ['--reason', 'FIU request 2029/7']);
  t.equal(held.code, 0, held.stderr);
  await h.caughtUp();
  t.match((await h.get('/retention/due')).json(), {
    due: [],
    dueCount: 0,
    held: [{ customerId: CUSTOMER_ID, heldUntil: null }],
    heldCount: 1,
  });
  t.match((await h.get('/retention/due?limit=1&x=1')).json(), { error: /parameter x/ });
  t.equal((await h.get('/retention/due?limit=10001')).status, 400);
});

void t.test('the due list is a 503 to retry while the projection is being built', async (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  const readModelDb = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(async () => {
    readModelDb.close();
    await store.close();
  });
  const app = new Koa();
  const token = 'a-token-of-16-chars';
  const router = createQueryRouter({
    store,
    readModelDb,
    secrets: [],
    tokens: [token],
    logger: createLogger('silent'),
    retentionDays: 1826,
  });
  app.use(router.routes());
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  const res = await fetch(`${server.baseUrl}/retention/due`, {
    headers: { authorization: `Bearer ${token}` },
  });
  t.equal(res.status, 503);
  t.equal(res.headers.get('retry-after'), '30');
});
