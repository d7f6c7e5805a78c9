import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { startService } from '../src/service.js';
import { send } from './helpers/httpServer.js';
import { generateSecret, signDelivery } from './helpers/signWebhook.js';

const TOKEN = 'test-token-0123456789abcdef';

function fixture(type: string): string {
  return readFileSync(join(import.meta.dirname, 'fixtures/webhooks', `${type}.json`), 'utf8');
}

void t.test('the composed service ingests, projects and answers queries on one port', async (t) => {
  const dir = t.testdir({});
  const secret = generateSecret();
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      COMPILOT_WEBHOOK_SECRET: secret,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
      QUERY_API_TOKENS: TOKEN,
    },
    { requireWebhookSecret: true },
  );
  const service = await startService(config, createLogger('silent'));
  t.teardown(() => service.close());

  t.equal((await send(service.port, '/healthz', { method: 'GET' })).status, 200, 'healthz');

  const body = fixture('customer.updated');
  const customerId = (JSON.parse(body) as { payload: { customerId: string } }).payload.customerId;
  const delivery = signDelivery({ secret, body });
  const stored = await send(service.port, '/webhooks/compilot', {
    body: delivery.body,
    headers: delivery.headers,
  });
  t.equal(stored.status, 200, 'the delivery is acknowledged');
  t.equal(stored.json().stream, `customer-${customerId}`);

  await service.projections.waitFor((status) =>
    status.projections.every((p) => p.checkpoint !== null && p.caughtUp),
  );
  const ready = await send(service.port, '/readyz', { method: 'GET' });
  t.equal(ready.status, 200, 'ready once projections caught up');

  const auth = { authorization: `Bearer ${TOKEN}` };
  const customer = await send(service.port, `/customers/${customerId}`, {
    method: 'GET',
    headers: auth,
  });
  t.equal(customer.status, 200, 'the query API is mounted on the same server');
  t.equal(customer.json<{ status: string }>().status, 'Active');

  const unauthorized = await send(service.port, `/customers/${customerId}`, { method: 'GET' });
  t.equal(unauthorized.status, 401, 'queries need a token');

  const metrics = await send(service.port, '/metrics', { method: 'GET' });
  t.match(
    metrics.body.toString(),
    /compilot_ledger_webhook_deliveries_total\{outcome="stored"\} 1/,
  );
  t.equal(service.enrichment, undefined, 'no API key: enrichment is off');
});

void t.test('close() is idempotent and releases the port', async (t) => {
  const dir = t.testdir({});
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    COMPILOT_WEBHOOK_SECRET: generateSecret(),
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  });
  const service = await startService(config, createLogger('silent'));
  await Promise.all([service.close(), service.close()]);
  await t.rejects(send(service.port, '/healthz', { method: 'GET' }), 'nothing listens any more');
});

void t.test('every metric name carries the compilot_ledger_ prefix exactly once', async (t) => {
  const dir = t.testdir({});
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    COMPILOT_WEBHOOK_SECRET: generateSecret(),
    // Enrichment on, so its metrics and the ComPilot client's are registered too.
    COMPILOT_API_KEY: 'sk_metrics_test',
    COMPILOT_API_URL: 'http://127.0.0.1:9',
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  });
  const service = await startService(config, createLogger('silent'));
  t.teardown(() => service.close());
  const text = (await send(service.port, '/metrics', { method: 'GET' })).body.toString();
  const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!);
  for (const family of ['process_cpu', 'nodejs_', 'webhook_', 'projection_', 'enrichment_']) {
    t.ok(
      names.some((name) => name.startsWith(`compilot_ledger_${family}`)),
      `compilot_ledger_${family}* is exposed`,
    );
  }
  t.ok(names.some((name) => name.startsWith('compilot_ledger_compilot_api_')));
  t.same(
    names.filter(
      (name) => !/^compilot_ledger_(?!.*compilot_ledger_)(?!process_process)/.test(name),
    ),
    [],
    'no name without the prefix, with it twice, or with process_ doubled',
  );
});
