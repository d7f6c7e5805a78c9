/**
 * The query router answers errors itself, with the same mapper as the ingress
 * (src/http/handleErrors.ts): it is mounted here in a bare koa app with no error handling of
 * its own, over a real SQLite store and read model, so whatever answers is the router's mapper.
 */
import Koa from 'koa';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/lib/logger.js';
import { createQueryRouter } from '../../src/query/router.js';
import { openQueryReadModel } from '../../src/readmodel/readModelAdapter.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { send, startServer } from '../helpers/httpServer.js';

const TOKEN = 'query-token-for-router-test';

async function startRouter(
  t: Test,
  change: { readonly closeStore?: boolean; readonly failingReadModel?: boolean } = {},
) {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  const readModelDb = openReadModel(`${dir}/read.db`);
  t.teardown(() => readModelDb.close());
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const real = openQueryReadModel(readModelDb);
  const router = createQueryRouter({
    store,
    readModelDb,
    secrets: [],
    tokens: [TOKEN],
    logger,
    retentionDays: 1826,
    readModel: change.failingReadModel
      ? {
          ...real,
          getCustomer() {
            throw new Error('SQLITE_CORRUPT at /var/lib/secret/read.db');
          },
        }
      : real,
  });
  const app = new Koa();
  app.use(router.routes());
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  if (change.closeStore) await store.close();
  else t.teardown(() => store.close());
  const get = (path: string) =>
    send(server.port, path, { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
  return { get, lines };
}

void t.test('an unavailable store answers 503 with Retry-After and a fixed body', async (t) => {
  const { get } = await startRouter(t, { closeStore: true });
  const res = await get('/customers/c-1/events');
  t.equal(res.status, 503);
  t.equal(res.headers['retry-after'], '5');
  t.same(res.json(), { error: 'event store unavailable, retry later' });
});

void t.test('an unexpected error answers 500 without its message, and is logged', async (t) => {
  const { get, lines } = await startRouter(t, { failingReadModel: true });
  const res = await get('/customers/c-1');
  t.equal(res.status, 500);
  t.same(res.json(), { error: 'Internal Server Error' });
  t.notOk(res.body.toString().includes('secret'), 'no internals in the body');
  t.ok(
    lines.some((line) => line.includes('request failed')),
    'operators see it in the log',
  );
});

void t.test('a cursor the API did not issue answers 400 naming the parameter', async (t) => {
  const { get } = await startRouter(t);
  const res = await get('/customers/c-1/events?cursor=bogus');
  t.equal(res.status, 400);
  t.same(res.json(), {
    error: 'parameter cursor is not a cursor issued by this API (pass nextCursor back unchanged)',
  });
});
