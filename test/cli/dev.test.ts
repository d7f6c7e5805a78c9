import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { notBuilt, spawnCli, type CliProcess } from '../helpers/serviceProcess.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

function devEnv(dir: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'data', 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'data', 'readmodel.db')}`,
  };
}

async function until(cli: CliProcess, text: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cli.stdout().includes(text) && Date.now() < deadline) {
    if (cli.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Per customer stream, the event types of the ComPilot API snapshots in it. */
async function snapshotsByCustomer(dir: string): Promise<Map<string, string[]>> {
  const events = spawnCli(['events', '--all'], devEnv(dir), dir);
  await events.exited;
  const byStream = new Map<string, string[]>();
  for (const line of events.stdout().trim().split('\n')) {
    const { stream, type } = JSON.parse(line) as { stream: string; type: string };
    const list = byStream.get(stream) ?? [];
    if (type.startsWith('compilot.')) list.push(type);
    byStream.set(stream, list);
  }
  return byStream;
}

void t.test(
  'dev (make run) generates .env, plays the demo once per data directory and stops on SIGINT',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir({});
    const cli = spawnCli(['dev'], devEnv(dir), dir);
    t.teardown(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    await until(cli, 'Press Ctrl-C to stop.');
    const out = cli.stdout();
    t.ok(existsSync(join(dir, '.env')), '.env was generated');
    const dotEnv = readFileSync(join(dir, '.env'), 'utf8');
    t.match(dotEnv, /^COMPILOT_WEBHOOK_SECRET=whsec_/m);
    t.match(dotEnv, /^QUERY_API_TOKENS=dev_/m);
    t.match(out, /built-in SIMULATOR at http/, 'says the simulator is in use');
    t.match(out, /deliveries sent, 0 not acknowledged/);
    t.match(out, /event log now: \d+ webhooks, \d+ compilot\.customer\.details/);
    t.match(out, /status Active, risk Low, onboarding Onboarded/, 'the demo customer is Active');
    t.match(out, /status - -> Active\s+Rules engine verification passed/, 'KYC history shown');
    t.match(out, /audit viewer\s+http:\/\/127\.0\.0\.1:\d+\/ui\//, 'prints the viewer address');
    t.match(out, /simulate send --target http:\/\/127\.0\.0\.1:\d+\/webhooks\/compilot/);
    t.same(
      out.split('\n').filter((line) => line.startsWith('{')),
      [],
      'no JSON log line on stdout',
    );
    t.match(cli.stderr(), /"msg":"listening"/, 'the JSON logs are on stderr');
    t.ok(existsSync(join(dir, 'data', 'demo-played')), 'the demo is recorded in the data dir');

    // The banner's own command: `simulate demo` against this service and its simulator.
    const send = /simulate send --target (\S+) --simulator (\S+) --api-key (\S+)/.exec(out);
    t.ok(send, 'the banner says how to send with the simulator');
    const [, target, simulator, apiKey] = send!;
    const demo = spawnCli(
      ['simulate', 'demo', '--port', '0', '--target', target!, '--simulator', simulator!],
      { ...devEnv(dir), COMPILOT_API_KEY: apiKey! },
      dir,
    );
    t.teardown(() => {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    });
    await until(demo, 'customers: ');
    demo.child.kill('SIGINT');
    t.equal(await demo.exited, 0);
    const ids = /^customers: (.*)$/m.exec(demo.stdout())![1]!.split(' ');
    t.equal(ids.length, 5, 'the demo made up five customers');
    // The demo's last customer is deleted at once: ComPilot (and so the simulator) may answer
    // not-found for it by the time enrichment asks. Every other one must end with details.
    const live = ids.slice(0, 4);
    const hasDetails = (id: string) =>
      snapshots.get(`customer-${id}`)?.includes('compilot.customer.details') ?? false;
    // Enrichment runs after the webhooks: wait until they all have their details.
    let snapshots = new Map<string, string[]>();
    const deadline = Date.now() + 30_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      snapshots = await snapshotsByCustomer(dir);
    } while (!live.every(hasDetails) && Date.now() < deadline);
    for (const id of live) {
      t.ok(hasDetails(id), `simulate demo customer ${id} has details from dev's simulator`);
      t.notOk(snapshots.get(`customer-${id}`)?.includes('compilot.customer.not-found'));
    }
    cli.child.kill('SIGINT');
    t.equal(await cli.exited, 0, 'stops cleanly');

    const again = spawnCli(['dev'], devEnv(dir), dir);
    t.teardown(() => {
      if (again.child.exitCode === null) again.child.kill('SIGKILL');
    });
    await until(again, 'Press Ctrl-C to stop.');
    t.notMatch(again.stdout(), /Playing a demo/, 'a second run does not replay the demo');
    t.match(again.stdout(), /The demo was already played for .*data/);
    t.match(again.stdout(), /--journey onboarding,alert,scenario,verification-flow,deletion/);
    again.child.kill('SIGINT');
    t.equal(await again.exited, 0);
  },
);

void t.test('SIGINT while dev plays the demo exits 0', { skip: notBuilt }, async (t) => {
  const dir = t.testdir({});
  const cli = spawnCli(['dev'], { ...devEnv(dir), LOG_LEVEL: 'warn' }, dir);
  t.teardown(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  await until(cli, 'Playing a demo journey');
  cli.child.kill('SIGINT');
  t.equal(await cli.exited, 0, 'a stop the user asked for is not a failure');
  t.notMatch(cli.stderr(), /failed/);
  t.notOk(existsSync(join(dir, 'data', 'demo-played')), 'an interrupted demo is not recorded');
});
