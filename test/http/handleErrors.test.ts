import { readFileSync } from 'node:fs';
import { Router } from '@koa/router';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import t from 'tap';
import { createHttpApp } from '../../src/ingress/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { send, startServer } from '../helpers/httpServer.js';
import { readWholeLog, readWholeLogAt, startIngress } from '../helpers/ingressHarness.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';

const body = readFileSync(new URL('../fixtures/webhooks/customer.created.json', import.meta.url));

void t.test('a closed store answers 503 with Retry-After and acknowledges nothing', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  await ingress.store.close();
  const res = await ingress.deliver(body, signDelivery({ secret: ingress.secrets, body }).headers);
  t.equal(res.status, 503);
  t.equal(res.headers['retry-after'], '5');
  t.same(res.json(), { error: 'event store unavailable, retry later' }, 'no internals');
  t.same(await readWholeLogAt(ingress.dbPath), [], 'nothing was written');
  t.match(await ingress.registry.metrics(), /outcome="failed",reason="store-unavailable"\} 1/);
});

void t.test('a store locked by another process answers 503, then takes the retry', async (t) => {
  const ingress = await startIngress(t.testdir(), { store: { busyTimeoutMs: 50 } });
  t.teardown(() => ingress.close());
  const other = new Database(ingress.dbPath);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');

  const signed = signDelivery({ secret: ingress.secrets, body });
  const refused = await ingress.deliver(body, signed.headers);
  t.equal(refused.status, 503);
  t.ok(refused.headers['retry-after'], 'says when to retry');
  t.notOk(refused.body.toString().includes('SQLITE'), 'no vendor internals in the body');

  other.exec('ROLLBACK');
  const retried = await ingress.deliver(body, signed.headers);
  t.equal(retried.status, 200);
  t.equal(retried.json().stored, true, 'the retry is stored, not a duplicate');
  t.equal((await readWholeLog(ingress.store)).length, 1);
});

void t.test('an unexpected error answers 500 without its message', async (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: `${dir}/events.db` });
  t.teardown(() => store.close());
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const broken = new Router();
  broken.get('/broken', () => {
    throw new Error('connection string kurrentdb://admin:hunter2@db');
  });
  const app = createHttpApp({
    store,
    logger,
    registry: new Registry(),
    webhook: { secrets: [generateSecret()] },
    routers: [broken],
  });
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  const res = await send(server.port, '/broken', { method: 'GET' });
  t.equal(res.status, 500);
  t.same(res.json(), { error: 'Internal Server Error' });
  t.ok(
    lines.some((line) => line.includes('request failed')),
    'the error is logged for operators',
  );
});

void t.test('an unknown route answers 404 with a JSON body', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const res = await send(ingress.port, '/nowhere', { method: 'GET' });
  t.equal(res.status, 404);
  t.same(res.json(), { error: 'Not Found' });
});

void t.test('a wrong method on the webhook route answers 405 with a JSON body', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const res = await send(ingress.port, '/webhooks/compilot', { method: 'GET' });
  t.equal(res.status, 405);
  t.match(res.headers.allow, /POST/);
  t.same(res.json(), { error: 'Method Not Allowed' });
});
