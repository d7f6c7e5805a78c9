import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { run } from '../../src/cli/rebuildCommand.js';
import { customerStream } from '../../src/events/streams.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { startSimulator } from '../helpers/simulatorHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

const body = readFileSync(new URL('../fixtures/webhooks/customer.updated.json', import.meta.url));
const customerId = (JSON.parse(body.toString()) as { payload: { customerId: string } }).payload
  .customerId;

function deps(env: Record<string, string>) {
  return {
    env: { LOG_LEVEL: 'silent', ...env },
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stopSignal: new AbortController().signal,
  };
}

void t.test('rebuild --refetch re-pulls details of known customers, then rebuilds', async (t) => {
  const dir = t.testdir({});
  const env = {
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  };
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  await store.appendToStream(customerStream(customerId), [
    { id: uuidv5('msg_fixture'), type: 'customer.updated', data: body, metadata: {} },
  ]);
  await store.close();
  t.equal(await run([], deps(env)), 0, 'a plain rebuild makes the customer known');

  await t.rejects(run(['--refetch'], deps(env)), {
    name: 'UsageError',
    message: /COMPILOT_API_KEY/,
  });

  const sim = await startSimulator(t);
  sim.state.addCustomer({ id: customerId });
  const withApi = { ...env, COMPILOT_API_URL: sim.api.url, COMPILOT_API_KEY: sim.apiKey };
  t.equal(await run(['--refetch'], deps(withApi)), 0);
  t.equal(
    sim.api.requests.filter((r) => r.path === `/customers/${customerId}/details`).length,
    1,
    'one fetch per known customer',
  );
  const reopened = openSqliteEventStore({ path: join(dir, 'events.db') });
  t.teardown(() => reopened.close());
  const types = (await reopened.readStream(customerStream(customerId))).map((e) => e.type);
  t.same(types, ['customer.updated', 'compilot.customer.details']);
});

void t.test(
  'rebuild prints its report on stdout and its JSON logs on stderr, threads included',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir({});
    const env = {
      LOG_LEVEL: 'info',
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
    };
    const store = openSqliteEventStore({ path: join(dir, 'events.db') });
    await store.appendToStream(customerStream(customerId), [
      { id: uuidv5('msg_fixture'), type: 'customer.updated', data: body, metadata: {} },
    ]);
    await store.close();
    for (const threads of ['1', '2']) {
      const cli = spawnCli(['rebuild', '--threads', threads], env, dir);
      t.equal(await cli.exited, 0, `--threads ${threads}`);
      const stdout = cli.stdout().trim().split('\n');
      t.match(stdout[0], /^read 1 event in /, 'the report, singular');
      t.same(
        stdout.filter((line) => line.startsWith('{')),
        [],
        'no JSON log line on stdout',
      );
      t.match(cli.stderr(), /^\{.*"level":30/m, 'the info logs are on stderr');
      // One thread too: a worker, whose young generation is sized for rebuilds.
      t.match(cli.stderr(), /"rebuildThread":"customer-state/, 'built in a rebuild thread');
    }
  },
);
