import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { run } from '../../src/cli/rebuild.js';
import { UsageError } from '../../src/cli/deps.js';
import { loadConfig } from '../../src/config.js';
import { findByState } from '../../src/readmodel/generations.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { startProjections } from '../../src/projector/runner.js';
import { customerStream } from '../../src/events/streams.js';
import { getCustomer } from '../../src/readmodel/queries.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { appendJourney, detailsBody, detailsEvent } from '../helpers/projectionEvents.js';
import { dumpReadModel, reached, silent } from '../helpers/projectionHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

function output(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

async function setup(t: Test) {
  const dir = t.testdir();
  const env = {
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  };
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  for (let n = 0; n < 5; n++) await appendJourney(store, n);
  await store.close();
  const stdout = output();
  const stderr = output();
  const deps = {
    env,
    stdout,
    stderr,
    stopSignal: new AbortController().signal,
    config: loadConfig(env),
    logger: silent,
  };
  return { dir, deps, stdout, stderr };
}

void t.test('rebuild --help prints the usage', async (t) => {
  const { deps, stdout } = await setup(t);
  t.equal(await run(['--help'], deps), 0);
  t.match(stdout.text(), /usage: compilot-ledger rebuild \[projection\.\.\.\] \[--refetch\]/);
});

void t.test('rebuild builds every projection and switches it in', async (t) => {
  const { dir, deps, stdout } = await setup(t);
  t.equal(await run([], deps), 0);
  t.match(stdout.text(), /read \d+ events in/);
  for (const projection of projections)
    t.match(stdout.text(), `${projection.name} v${projection.version}: switched`);
  const db = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(() => db.close());
  t.match(getCustomer(db, 'cust-1'), { status: 'Active' });
  t.equal(findByState(db, 'alerts', 'building'), undefined);
});

void t.test('rebuild of named projections leaves the others alone', async (t) => {
  const { dir, deps, stdout } = await setup(t);
  t.equal(await run(['alerts', 'wallet-index'], deps), 0);
  t.notMatch(stdout.text(), /customer-state/);
  const db = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(() => db.close());
  t.ok(findByState(db, 'alerts', 'live'));
  t.equal(findByState(db, 'customer-state', 'live'), undefined);
});

void t.test(
  'rebuild refuses unknown projections and --refetch without an enrichment client',
  async (t) => {
    const { deps } = await setup(t);
    await t.rejects(run(['customers'], deps), UsageError);
    await t.rejects(
      run(['customers'], deps),
      /unknown projection "customers" \(known: customer-state/,
    );
    await t.rejects(run(['--refetch'], deps), /--refetch is not available/);
    await t.rejects(run(['--bogus'], deps), UsageError);
  },
);

void t.test('rebuild --refetch re-pulls every known customer first', async (t) => {
  const { deps } = await setup(t);
  t.equal(await run([], deps), 0);
  const asked: string[][] = [];
  const code = await run(['--refetch', 'customer-state'], {
    ...deps,
    refetch: (ids) => {
      asked.push([...ids]);
      return Promise.resolve();
    },
  });
  t.equal(code, 0);
  t.same(asked, [['cust-0', 'cust-1', 'cust-2', 'cust-3', 'cust-4']]);
});

void t.test(
  'rebuild --refetch ends with the read model the live runner builds from the same log',
  async (t) => {
    // Given a built read model
    const { dir, deps } = await setup(t);
    t.equal(await run([], deps), 0);
    // When a refetch records a newer snapshot of every known customer before the rebuild
    const store = openSqliteEventStore({ path: join(dir, 'events.db') });
    t.teardown(() => store.close());
    const code = await run(['--refetch', '--threads', '1'], {
      ...deps,
      refetch: async (ids) => {
        for (const id of ids) {
          const body = detailsBody({
            id,
            riskScore: 'High',
            updatedAt: '2025-03-04T10:00:00.000Z',
          });
          const event = detailsEvent(body, [], '2025-03-04T10:01:00.000Z');
          await store.appendToStream(customerStream(id), [event]);
        }
      },
    });
    t.equal(code, 0);
    const db = openReadModel(join(dir, 'readmodel.db'));
    t.teardown(() => db.close());
    t.match(getCustomer(db, 'cust-2'), { riskScore: 'High' }, 'the rebuild saw the snapshots');

    // Then the live runner, applying the same log in small batches, builds the same rows
    const live = openReadModel(join(dir, 'live.db'));
    const stop = new AbortController();
    t.teardown(() => live.close());
    const runner = startProjections({
      store,
      db: live,
      projections,
      logger: silent,
      signal: stop.signal,
      batchSize: 3,
    });
    await runner.waitFor(reached(await store.headPosition()));
    stop.abort();
    await runner.done;
    t.same(dumpReadModel(db, projections), dumpReadModel(live, projections));
  },
);

void t.test('rebuild --threads 1 and --threads 2 build the same read model', async (t) => {
  const { dir, deps } = await setup(t);
  const dumps = [];
  for (const threads of ['1', '2']) {
    const readModel = join(dir, `readmodel-${threads}.db`);
    const env = { ...deps.env, READ_MODEL_URL: `sqlite:${readModel}` };
    t.equal(await run(['--threads', threads], { ...deps, env, config: loadConfig(env) }), 0);
    const db = openReadModel(readModel);
    dumps.push(dumpReadModel(db, projections));
    db.close();
  }
  t.ok(dumps[0]!.customers!.length > 0);
  t.same(dumps[1], dumps[0]);
});

void t.test('rebuild refuses a --threads that is not a whole number from 1', async (t) => {
  const { deps } = await setup(t);
  for (const bad of ['0', '-1', 'two', '1.5', '']) {
    await t.rejects(run([`--threads=${bad}`], deps), /--threads must be a whole number from 1/);
  }
});
