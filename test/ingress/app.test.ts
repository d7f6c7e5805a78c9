import { Router } from '@koa/router';
import { Registry } from 'prom-client';
import t from 'tap';
import { createHttpApp } from '../../src/ingress/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { send, startServer } from '../helpers/httpServer.js';
import { startIngress } from '../helpers/ingressHarness.js';

void t.test('healthz answers 200 while the process is up', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const res = await send(ingress.port, '/healthz', { method: 'GET' });
  t.equal(res.status, 200);
  t.same(res.json(), { status: 'ok' });
});

void t.test('readyz answers 200 when the store is writable and every check passes', async (t) => {
  const ingress = await startIngress(t.testdir(), {
    readinessChecks: [{ name: 'projections', check: () => Promise.resolve() }],
  });
  t.teardown(() => ingress.close());
  const res = await send(ingress.port, '/readyz', { method: 'GET' });
  t.equal(res.status, 200);
  t.same(res.json(), { status: 'ready', checks: { store: 'ok', projections: 'ok' } });
});

void t.test('readyz answers 503 naming the check that reports a problem', async (t) => {
  const ingress = await startIngress(t.testdir(), {
    readinessChecks: [
      { name: 'projections', check: () => Promise.resolve('customers projection is poisoned') },
      { name: 'enrichment', check: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7')) },
    ],
  });
  t.teardown(() => ingress.close());
  const res = await send(ingress.port, '/readyz', { method: 'GET' });
  t.equal(res.status, 503);
  t.same(res.json(), {
    error: 'not ready',
    checks: {
      store: 'ok',
      projections: 'customers projection is poisoned',
      enrichment: 'failed',
    },
  });
});

void t.test('readyz answers 503 once the store cannot take writes', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  await ingress.store.close();
  const res = await send(ingress.port, '/readyz', { method: 'GET' });
  t.equal(res.status, 503);
  t.same(res.json().checks, { store: 'failed (store-unavailable)' });
});

void t.test('readyz does not hang on a check that never answers', async (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  t.teardown(() => store.close());
  const app = createHttpApp({
    store,
    logger: createLogger('silent'),
    registry: new Registry(),
    webhook: { secrets: ['whsec_' + Buffer.alloc(24, 7).toString('base64')] },
    readinessChecks: [{ name: 'stuck', check: () => new Promise<void>(() => undefined) }],
  });
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  const res = await send(server.port, '/readyz', { method: 'GET' });
  t.equal(res.status, 503);
  t.match(res.json().checks, { stuck: /no answer within/ });
});

void t.test('metrics are served in the Prometheus text format', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  await ingress.deliver('{}', {});
  const res = await send(ingress.port, '/metrics', { method: 'GET' });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  const text = res.body.toString('utf8');
  t.match(text, /# TYPE compilot_ledger_webhook_deliveries_total counter/);
  t.match(text, /outcome="rejected",reason="missing-headers"\} 1/);
  t.match(text, /# TYPE compilot_ledger_store_commit_batch_size histogram/);
});

void t.test('injected routers are served by the same app', async (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  t.teardown(() => store.close());
  const queries = new Router({ prefix: '/customers' });
  queries.get('/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  const app = createHttpApp({
    store,
    logger: createLogger('silent'),
    registry: new Registry(),
    webhook: { secrets: ['whsec_' + Buffer.alloc(24, 7).toString('base64')] },
    routers: [queries],
  });
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  const res = await send(server.port, '/customers/c-1', { method: 'GET' });
  t.equal(res.status, 200);
  t.same(res.json(), { id: 'c-1' });
  t.equal((await send(server.port, '/healthz', { method: 'GET' })).status, 200);
});

void t.test('the app refuses to be built without a webhook secret', (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  t.teardown(() => store.close());
  t.throws(
    () =>
      createHttpApp({
        store,
        logger: createLogger('silent'),
        registry: new Registry(),
        webhook: { secrets: [] },
      }),
    /at least one webhook secret/,
  );
  t.end();
});

void t.test('two apps can share one metrics registry', (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  t.teardown(() => store.close());
  const registry = new Registry();
  const deps = {
    store,
    logger: createLogger('silent'),
    registry,
    webhook: { secrets: ['whsec_' + Buffer.alloc(24, 7).toString('base64')] },
  };
  createHttpApp(deps);
  t.doesNotThrow(() => createHttpApp(deps));
  t.end();
});
