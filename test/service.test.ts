import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig, loadLedgerConfig } from '../src/config.js';
import { checkpointHash, parseCheckpoint } from '../src/ledger/checkpointFormat.js';
import { generateSigningKeyBase64 } from '../src/ledger/signingKey.js';
import { createLogger } from '../src/lib/logger.js';
import { startService } from '../src/service.js';
import { send } from './helpers/httpServer.js';
import { generateSecret, signDelivery } from './helpers/signWebhook.js';
import { waitFor } from './helpers/simulatorHarness.js';
import { ENCRYPTION_ENV } from './helpers/encryptionKey.js';

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
      ...ENCRYPTION_ENV,
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
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  });
  const service = await startService(config, createLogger('silent'));
  await Promise.all([service.close(), service.close()]);
  await t.rejects(send(service.port, '/healthz', { method: 'GET' }), 'nothing listens any more');
});

void t.test('retired secrets re-verify stored deliveries but never accept new ones', async (t) => {
  const dir = t.testdir({});
  const retired = generateSecret();
  const live = generateSecret();
  const settings = (env: Record<string, string>) =>
    loadConfig(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        ...ENCRYPTION_ENV,
        EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
        READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
        QUERY_API_TOKENS: TOKEN,
        ...env,
      },
      { requireWebhookSecret: true },
    );
  const body = fixture('customer.created');
  const customerId = (JSON.parse(body) as { payload: { customerId: string } }).payload.customerId;
  const before = await startService(
    settings({ COMPILOT_WEBHOOK_SECRET: retired }),
    createLogger('silent'),
  );
  const old = signDelivery({ secret: retired, body });
  const stored = await send(before.port, '/webhooks/compilot', old);
  t.equal(stored.status, 200, 'stored while the secret was live');
  await before.close();

  const after = await startService(
    settings({ COMPILOT_WEBHOOK_SECRET: live, COMPILOT_WEBHOOK_RETIRED_SECRETS: retired }),
    createLogger('silent'),
  );
  t.teardown(() => after.close());
  const fresh = signDelivery({ secret: retired, body: fixture('customer.updated') });
  const refused = await send(after.port, '/webhooks/compilot', fresh);
  t.equal(refused.status, 401, 'a new delivery signed with a retired secret is refused');
  const audit = await send(after.port, `/customers/${customerId}/events?verify=true`, {
    method: 'GET',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  t.equal(audit.status, 200);
  t.match(audit.json(), { events: [{ signature: { verdict: 'valid' } }] });
  t.equal(
    (await after.store.readStream(`customer-${customerId}`)).length,
    1,
    'only the delivery from before the rotation is stored',
  );
});

void t.test('the service signs a checkpoint after appends and at shutdown', async (t) => {
  const dir = t.testdir({});
  const secret = generateSecret();
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    COMPILOT_WEBHOOK_SECRET: secret,
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
    LEDGER_SIGNING_KEY: generateSigningKeyBase64(),
    CHECKPOINT_INTERVAL_MS: '100',
    CHECKPOINT_SINK: join(dir, 'checkpoints.ndjson'),
  };
  const service = await startService(
    loadConfig(env, { requireWebhookSecret: true }),
    createLogger('silent'),
    { ledger: loadLedgerConfig(env) },
  );
  const sunk = () =>
    existsSync(env.CHECKPOINT_SINK)
      ? readFileSync(env.CHECKPOINT_SINK, 'utf8').trim().split('\n').map(parseCheckpoint)
      : [];
  await send(
    service.port,
    '/webhooks/compilot',
    signDelivery({ secret, body: fixture('customer.created') }),
  );
  await waitFor(() => sunk().length === 1, 'the interval checkpoint');
  await send(
    service.port,
    '/webhooks/compilot',
    signDelivery({ secret, body: fixture('customer.updated') }),
  );
  await service.close();
  const checkpoints = sunk();
  t.ok(checkpoints.length >= 2, 'one more by shutdown at the latest');
  const last = checkpoints.at(-1)!;
  t.equal(last.previousHash, checkpointHash(checkpoints.at(-2)!), 'chained to the one before');
  t.equal(last.streams, 2, 'the customer stream and the checkpoint stream');
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
    ...ENCRYPTION_ENV,
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
