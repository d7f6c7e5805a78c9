import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import t from 'tap';
import type { CliDeps } from '../../src/cli/deps.js';
import { run } from '../../src/cli/simulate.js';
import { send } from '../helpers/httpServer.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { generateSecret } from '../helpers/signWebhook.js';
import { startSimulator, startWebhookReceiver, waitFor } from '../helpers/simulatorHarness.js';

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (lines: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
  const controller = new AbortController();
  const deps: CliDeps = {
    env: { LOG_LEVEL: 'silent', ...env },
    stdout: sink(out),
    stderr: sink(err),
    stopSignal: controller.signal,
  };
  return { deps, out, err, stop: () => controller.abort() };
}

void t.test('--help prints the usage and exits 0', async (t) => {
  const { deps, out } = io();
  t.equal(await run(['--help'], deps), 0);
  t.match(out.join(''), /usage: compilot-ledger simulate <mode>/);
  t.match(out.join(''), /--rate-429/);
});

void t.test('bad invocations print the usage and exit 2', async (t) => {
  const cases = [
    [],
    ['bogus'],
    ['send', '--nope'],
    ['api', '--rate-429', '2'],
    ['send', '--drop-webhooks', '1.5', '--secret', generateSecret()],
    ['api', '--port', 'x'],
    ['send', '--journey', 'nope', '--secret', generateSecret()],
    ['send', '--target', 'ftp://x', '--secret', generateSecret()],
    ['api', 'extra'],
  ];
  for (const args of cases) {
    const { deps, err } = io();
    t.equal(await run(args, deps), 2, args.join(' ') || '(no arguments)');
    t.match(err.join(''), /usage: compilot-ledger simulate/);
  }
});

void t.test('send without a secret anywhere exits 2 and says so', async (t) => {
  const { deps, err } = io();
  t.equal(await run(['send', '--target', 'http://127.0.0.1:9/x'], deps), 2);
  t.match(err.join(''), /--secret/);
});

void t.test('send delivers signed journeys to the target and summarises', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const { deps, out } = io({ COMPILOT_WEBHOOK_SECRET: secret });
  const code = await run(
    ['send', '--target', receiver.url, '--journey', 'onboarding,deletion', '--customers', '3'],
    deps,
  );
  t.equal(code, 0);
  t.equal(receiver.received.length, 5 + 4 + 5);
  t.ok(receiver.received.every((delivery) => delivery.verified));
  t.match(out.join(''), /delivered 14 webhooks for 3 customers to .* \(0 failed\)/);
});

void t.test('send --drop-webhooks 1 delivers nothing and says how many it dropped', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const { deps, out } = io({ COMPILOT_WEBHOOK_SECRET: secret });
  const args = [
    'send',
    '--target',
    receiver.url,
    '--journey',
    'kyc-failure',
    '--drop-webhooks',
    '1',
  ];
  t.equal(await run(args, deps), 0);
  t.equal(receiver.received.length, 0);
  t.match(
    out.join(''),
    /delivered 0 webhooks for 1 customers to .* \(0 failed, 3 dropped on purpose\)/,
  );
});

void t.test('send exits 1 when the target refuses deliveries', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret, () => 400);
  const { deps, out } = io();
  const args = ['send', '--target', receiver.url, '--secret', secret, '--journey', 'kyc-failure'];
  t.equal(await run(args, deps), 1);
  t.match(out.join(''), /delivered 3 webhooks for 1 customer to /, 'one customer, singular');
});

void t.test('api serves the simulator until stopped', async (t) => {
  const { deps, out, stop } = io();
  const running = run(
    ['api', '--port', '0', '--api-key', 'sk_cli_test_key', '--seed-customers', '2'],
    deps,
  );
  await waitFor(() => out.join('').includes('listening on'), 'the API to listen');
  const url = /listening on (\S+)/.exec(out.join(''))![1]!;
  const port = Number(new URL(url).port);
  const list = await send(port, '/customers', {
    method: 'GET',
    headers: { authorization: 'Bearer sk_cli_test_key' },
  });
  t.equal(list.status, 200);
  t.equal(list.json<{ totalCount: number }>().totalCount, 2);
  t.notOk(out.join('').includes('sk_cli_test_key'), 'the key is not printed');
  stop();
  t.equal(await running, 0);
});

void t.test('demo serves the API, sends the demo journey, and serves until stopped', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const { deps, out, stop } = io();
  const running = run(['demo', '--port', '0', '--target', receiver.url, '--secret', secret], deps);
  await waitFor(() => out.join('').includes('delivered'), 'the demo to be delivered');
  t.match(out.join(''), /for 5 customers/);
  t.ok(receiver.received.length > 0);
  stop();
  t.equal(await running, 0);
});

void t.test(
  'SIGINT while the demo is delivering stops it and exits 0',
  { skip: notBuilt },
  async (t) => {
    // A target that takes the request and never answers: the demo is mid-delivery for sure.
    const held: ServerResponse[] = [];
    const target = createServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    t.teardown(() => {
      target.closeAllConnections();
      target.close();
    });
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/webhooks/compilot`;
    const dir = t.testdir({});
    const cli = spawnCli(
      ['simulate', 'demo', '--port', '0', '--target', url, '--secret', generateSecret()],
      { LOG_LEVEL: 'silent' },
      dir,
    );
    t.teardown(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    await waitFor(() => held.length > 0, 'the first delivery to arrive');
    cli.child.kill('SIGINT');
    t.equal(await cli.exited, 0, 'a stop the user asked for is not a failure');
    t.notMatch(cli.stderr(), /failed|aborted/);
  },
);

void t.test(
  'send stops once its target has answered nothing for a few seconds, listing the customers',
  async (t) => {
    // A port that was just free: nothing answers there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { deps, out } = io();
    const args = ['send', '--target', `http://127.0.0.1:${port}/x`, '--customers', '10000'];
    t.equal(await run([...args, '--secret', generateSecret()], deps), 1);
    const text = out.join('');
    t.match(text, /stopped: http:\/\/127\.0\.0\.1:\d+\/x has not answered for \d+ s/);
    const made = Number(/(\d+) customers? made up/.exec(text)?.[1]);
    t.ok(made > 0 && made < 10000, `stopped early (${made} customers made up)`);
    const ids = /^customers: (.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
    t.equal(ids.length, made, 'every customer made up is listed');
    t.ok(ids.every((id) => /^[0-9a-f-]{36}$/.test(id)));
  },
);

void t.test(
  'send --simulator registers every customer with that simulator before its webhooks',
  async (t) => {
    const secret = generateSecret();
    const simulator = await startSimulator(t);
    const receiver = await startWebhookReceiver(t, secret);
    const { deps, out } = io();
    const args = [
      'send',
      ...['--target', receiver.url, '--secret', secret],
      ...['--simulator', simulator.api.url, '--api-key', simulator.apiKey],
      ...['--journey', 'onboarding,alert,deletion'],
    ];
    t.equal(await run(args, deps), 0);
    const ids = /^customers: (.*)$/m.exec(out.join(''))![1]!.split(' ');
    t.equal(ids.length, 3);
    const [onboarded, alerted, deleted] = ids as [string, string, string];
    for (const id of [onboarded, alerted]) {
      const details = await send(simulator.api.port, `/customers/${id}/details`, {
        method: 'GET',
        headers: { authorization: `Bearer ${simulator.apiKey}` },
      });
      t.equal(details.status, 200, `the simulator knows ${id}`);
    }
    t.match(simulator.state.customer(onboarded), {
      status: 'Active',
      onboardingLevel: 'Onboarded',
    });
    t.equal(simulator.state.customer(deleted), undefined, 'the deleted one is deleted there too');
    const puts = simulator.api.requests.filter((r) => r.method === 'PUT');
    const customerChanges = receiver.received.filter((d) => d.eventType?.startsWith('customer.'));
    t.equal(puts.length, customerChanges.length, 'one registration per customer change');
    t.ok(
      puts.every((r) => r.status === 204),
      'every registration accepted',
    );
  },
);

void t.test('a registration without the key or for another id is refused', async (t) => {
  const simulator = await startSimulator(t);
  const body = JSON.stringify({ id: 'cust_a' });
  const put = (path: string, key: string) =>
    send(simulator.api.port, path, {
      method: 'PUT',
      body: Buffer.from(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
  t.equal((await put('/simulator/customers/cust_a', 'wrong')).status, 401);
  t.equal((await put('/simulator/customers/cust_b', simulator.apiKey)).status, 400);
  t.equal(simulator.state.customers().length, 0, 'nothing was stored');
});
