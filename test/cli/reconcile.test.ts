import t from 'tap';
import { UsageError } from '../../src/cli/deps.js';
import { run } from '../../src/cli/reconcile.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { startReconcileWorld } from '../helpers/reconcileHarness.js';

void t.test(
  '--dry-run reports the differences and writes nothing, not even a run record',
  async (t) => {
    const world = await startReconcileWorld(t, { seedCustomers: 3 });
    const head = await world.service.store.headPosition();
    const deps = cliDeps(world.env);
    const code = await run(['--dry-run'], deps);
    t.equal(code, 0);
    t.match(deps.output(), /reconciliation dry run \(nothing written\): completed/);
    t.match(deps.output(), /listed 3, compared 3, differing 3, fetched 0, appended 0/);
    for (const customer of world.sim.state.customers()) {
      t.match(deps.output(), `differs  ${customer.id}  unknown`, 'each difference is listed');
    }
    t.equal(await world.service.store.headPosition(), head, 'the log did not grow');
    t.same(await world.reconciliationRecords(), [], 'no run records');
    t.notOk(
      world.sim.api.requests.some((request) => request.path.endsWith('/details')),
      'no details calls',
    );
  },
);

void t.test('a run prints its id and counts, and exits 0 when it completed', async (t) => {
  const world = await startReconcileWorld(t, { seedCustomers: 2 });
  const deps = cliDeps(world.env);
  t.equal(await run(['--page-size', '1'], deps), 0);
  t.match(deps.output(), /reconciliation run [0-9a-f-]{36}: completed/);
  t.match(deps.output(), /2 pages walked; ComPilot lists 2 customers/);
  t.match(deps.output(), /differing 2, fetched 2, appended 2/);
});

void t.test('bad options are refused before anything is read or written', async (t) => {
  const world = await startReconcileWorld(t, { seedCustomers: 1 });
  await t.rejects(run(['--since', 'last tuesday'], cliDeps(world.env)), UsageError);
  await t.rejects(run(['--page-size', '500'], cliDeps(world.env)), UsageError);
  const withoutKey = Object.fromEntries(
    Object.entries(world.env).filter(([name]) => name !== 'COMPILOT_API_KEY'),
  );
  const deps = cliDeps(withoutKey);
  t.equal(await run([], deps), 78, 'no API key: a configuration error');
  t.match(deps.errors(), /COMPILOT_API_KEY is not set/);
  t.same(world.sim.api.requests, [], 'ComPilot was never called');
  t.same(await world.reconciliationRecords(), []);
});
