import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import { reconcile, ReconcileBusyError } from '../../src/reconcile/reconcileRun.js';
import {
  recordOf,
  RUN_FINISHED,
  RUN_PAGE,
  RUN_RESUMED,
  type FinishedRecord,
  type StartedRecord,
} from '../../src/reconcile/runRecords.js';
import { silent, startReconcileWorld } from '../helpers/reconcileHarness.js';
import { waitFor } from '../helpers/simulatorHarness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

void t.test(
  'a run SIGKILLed mid-way is resumed from its last page checkpoint by the next run',
  async (t) => {
    const world = await startReconcileWorld(t, { seedCustomers: 12 });
    world.sim.api.setFaults({ latencyMs: 40 });
    // The real command in a child process, against the same store files as the running service.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'reconcile', '--page-size', '2'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...world.env }, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    await waitFor(
      async () =>
        (await world.reconciliationRecords()).filter((e) => e.type === RUN_PAGE).length >= 2,
      'two page checkpoints of the child run',
    );
    child.kill('SIGKILL');
    t.equal(await exited, 'SIGKILL', 'the child was killed');

    const crashed = await world.reconciliationRecords();
    t.notOk(
      crashed.some((e) => e.type === RUN_FINISHED),
      'the killed run has no end record',
    );
    const donePages = crashed.filter((e) => e.type === RUN_PAGE).length;
    const runId = recordOf<StartedRecord>(crashed[0]!).runId;

    const options = {
      store: world.service.store,
      readModelDb: world.service.readModelDb,
      client: world.client(),
      logger: silent,
      signal: new AbortController().signal,
      trigger: 'cli' as const,
    };
    await t.rejects(
      reconcile(options),
      ReconcileBusyError,
      'within its lease the killed run counts as running: no second run starts',
    );
    t.equal(
      (await world.reconciliationRecords()).length,
      crashed.length,
      'and nothing was written',
    );

    const listCallsBefore = world.sim.api.requests.length;
    const report = await reconcile({ ...options, leaseMs: 0 });
    t.equal(report.record.runId, runId, 'the same run went on');
    t.equal(report.resumedFromPage, donePages + 1, 'from the page after its last checkpoint');
    const relisted = world.sim.api.requests
      .slice(listCallsBefore)
      .filter((request) => request.path.startsWith('/customers?'))
      .map((request) => Number(new URL(request.path, 'http://x').searchParams.get('currentPage')));
    t.equal(
      Math.min(...relisted),
      donePages + 1,
      'pages already checkpointed are not walked again',
    );

    const records = await world.reconciliationRecords();
    t.equal(records.filter((e) => e.type === RUN_RESUMED).length, 1, 'a resumed record');
    const finished = recordOf<FinishedRecord>(records.at(-1)!);
    t.equal(finished.outcome, 'completed');
    t.equal(finished.resumed, 1);
    t.equal(finished.counts.listed, 12, 'the end record counts the whole run, both processes');
    t.equal(finished.counts.differing, 12);
    t.equal(finished.counts.appended, 12);
    for (const customer of world.sim.state.customers()) {
      const snapshots = (await world.service.store.readStream(customerStream(customer.id))).filter(
        (event) => event.metadata.reconciliation !== undefined,
      );
      t.equal(snapshots.length, 1, 'each customer recorded once, whichever process did it');
    }
  },
);
