import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { send } from '../helpers/httpServer.js';
import { listeningPort, notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';

const fixture = readFileSync(
  new URL('../fixtures/webhooks/customer.updated.json', import.meta.url),
  'utf8',
);

function storeEnv(dir: string): Record<string, string> {
  return {
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  };
}

void t.test('serve refuses to start without a webhook secret', { skip: notBuilt }, async (t) => {
  const dir = t.testdir({});
  const cli = spawnCli(['serve'], { PORT: '0', ...storeEnv(dir) }, dir);
  t.equal(await cli.exited, 78, 'exit code 78 (configuration error)');
  t.match(cli.stderr(), /COMPILOT_WEBHOOK_SECRET is not set/);
});

void t.test('one start-up message names every bad setting', { skip: notBuilt }, async (t) => {
  const dir = t.testdir({});
  const cli = spawnCli(
    ['serve'],
    { PORT: '99999', LOG_LEVEL: 'chatty', COMPILOT_WEBHOOK_SECRET: 'not-a-secret' },
    dir,
  );
  t.equal(await cli.exited, 78);
  for (const name of ['PORT', 'LOG_LEVEL', 'COMPILOT_WEBHOOK_SECRET entry 1']) {
    t.match(cli.stderr(), name, `names ${name}`);
  }
  t.notMatch(cli.stderr(), 'not-a-secret', 'the bad secret is not echoed');
});

void t.test('unknown commands and options are usage errors', { skip: notBuilt }, async (t) => {
  const dir = t.testdir({});
  const unknown = spawnCli(['frobnicate'], {}, dir);
  t.equal(await unknown.exited, 2);
  t.match(unknown.stderr(), 'unknown command "frobnicate"');
  const badOption = spawnCli(['events', '--colour'], {}, dir);
  t.equal(await badOption.exited, 2);
  t.match(badOption.stderr(), /--colour/);
});

void t.test(
  'SIGTERM drains in-flight deliveries, exits 0, and `events` reads while it runs',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir({});
    const secret = generateSecret();
    const env = { PORT: '0', HOST: '127.0.0.1', COMPILOT_WEBHOOK_SECRET: secret, ...storeEnv(dir) };
    const service = spawnCli(['serve'], env, dir);
    t.teardown(() => {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    });
    const port = await listeningPort(service);

    const first = signDelivery({ secret, body: fixture });
    t.equal((await send(port, '/webhooks/compilot', first)).status, 200);
    const stream = `customer-${(JSON.parse(fixture) as { payload: { customerId: string } }).payload.customerId}`;
    const reader = spawnCli(['events', '--stream', stream], storeEnv(dir), dir);
    t.equal(await reader.exited, 0, 'events runs against the live store');
    const lines = reader.stdout().trim().split('\n');
    t.equal(lines.length, 1);
    const printed = JSON.parse(lines[0]!) as Record<string, unknown>;
    t.equal(printed.data, fixture, 'the exact raw body');
    t.equal(printed.stream, stream);
    t.equal(printed.revision, 0);
    t.match(printed.metadata, { svixId: first.msgId });

    // Twenty deliveries whose bodies are half-sent when SIGTERM arrives: in flight for sure.
    const halfSent = await Promise.all(
      Array.from({ length: 20 }, () =>
        startDelivery(port, signDelivery({ secret, body: fixture })),
      ),
    );
    // Let the server accept them: connections still in the kernel's accept queue when the
    // listener closes are reset by the OS, and were never in flight for the service.
    await new Promise((resolve) => setTimeout(resolve, 500));
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const results = await Promise.all(halfSent.map((delivery) => delivery.finish()));
    t.equal(await service.exited, 0, 'a graceful stop exits 0');
    t.match(service.stdout(), /"msg":"stopped"/);

    const all = spawnCli(['events', '--all'], storeEnv(dir), dir);
    t.equal(await all.exited, 0);
    const stored = new Set(
      all
        .stdout()
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { metadata: { svixId: string } }).metadata.svixId),
    );
    t.same(
      results.map((r) => r.status),
      results.map(() => 200),
      'every in-flight delivery was answered 2xx',
    );
    for (const { msgId } of results) t.ok(stored.has(msgId), `${msgId} is stored`);
    t.equal(stored.size, 21, 'and nothing else');
  },
);

/** Sends the headers and half the body now; `finish()` sends the rest and awaits the answer. */
async function startDelivery(
  port: number,
  delivery: { msgId: string; body: Buffer; headers: Record<string, string> },
): Promise<{ finish(): Promise<{ msgId: string; status: number }> }> {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/webhooks/compilot',
    method: 'POST',
    headers: { ...delivery.headers, 'content-length': delivery.body.length },
    agent: false,
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  const half = Math.floor(delivery.body.length / 2);
  await new Promise<void>((resolve) => req.write(delivery.body.subarray(0, half), () => resolve()));
  return {
    async finish() {
      req.end(delivery.body.subarray(half));
      return { msgId: delivery.msgId, status: await answered };
    },
  };
}
