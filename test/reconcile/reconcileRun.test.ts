import t from 'tap';
import { createCompilotClient } from '../../src/compilot/client.js';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { createSignatureProver } from '../../src/audit/signatureProof.js';
import { verifyStore } from '../../src/audit/storeVerification.js';
import { reconcile, ReconcileBusyError } from '../../src/reconcile/reconcileRun.js';
import {
  recordOf,
  RUN_FINISHED,
  RUN_PAGE,
  RUN_STARTED,
  type FinishedRecord,
} from '../../src/reconcile/runRecords.js';
import { captureLogger, scriptedRandom, waitFor } from '../helpers/simulatorHarness.js';
import { silent, startReconcileWorld } from '../helpers/reconcileHarness.js';

void t.test(
  'after a run every customer the webhooks left stale equals the simulator, and a second run appends nothing',
  async (t) => {
    const world = await startReconcileWorld(t);
    const journeys = await world.send(21, 0.3);
    t.ok(journeys.dropped > 0, 'some webhooks were dropped');
    await world.settle();
    // Enrichment repairs a dropped webhook whenever a later one of the customer arrives; what
    // only reconciliation can find is a change whose every webhook was lost (an endpoint down
    // over a weekend): a review, a new customer, a deletion.
    const live = world.sim.state.customers();
    for (const customer of live.slice(0, 3)) {
      world.sim.state.updateCustomer(customer.id, { status: 'To be reviewed', riskScore: 'High' });
    }
    world.sim.state.updateCustomer(world.sim.state.addCustomer().id, {
      onboardingLevel: 'Sign-up',
    });
    world.sim.state.deleteCustomer(live[3]!.id);
    const stale = world.mismatches();
    t.ok(stale.length > 0, `the ledger missed changes of ${stale.length} customers`);

    const signal = new AbortController().signal;
    const run = (pageSize: number) =>
      reconcile({
        store: world.service.store,
        readModelDb: world.service.readModelDb,
        client: world.client(),
        logger: silent,
        signal,
        trigger: 'cli',
        pageSize,
      });
    const first = await run(4);
    await world.settle();
    t.same(world.mismatches(), [], 'every live customer now equals the simulator');
    const { counts } = first.record;
    t.equal(first.record.outcome, 'completed');
    t.equal(counts.listed, world.sim.state.customers().length, 'every listed customer counted');
    t.equal(counts.compared, counts.listed, 'no --since: every entry compared');
    t.ok(counts.differing >= stale.length, 'every stale customer was found');
    t.equal(counts.failed, 0);
    t.equal(
      counts.appended + counts.unconfirmed,
      counts.differing,
      'each difference accounted for',
    );
    t.equal(first.record.pages, Math.ceil(counts.listed / 4));

    // Deleted in ComPilot, the deletion webhook lost: reported, not deleted.
    const deletedInSim = [...new Set([...journeys.customerIds, live[3]!.id])].filter(
      (id) => !world.sim.state.customer(id),
    );
    const missing = deletedInSim.filter((id) => !isDeletedInLedger(world, id)).sort();
    t.same(first.record.missing, missing, 'customers ComPilot no longer returns are reported');
    t.equal(counts.missing, missing.length);
    for (const id of missing) {
      t.equal(
        (await world.service.store.readStream(customerStream(id))).some(
          (e) => e.metadata.reconciliation !== undefined,
        ),
        false,
        'nothing is written for a missing customer',
      );
    }

    const records = await world.reconciliationRecords();
    t.same(
      records.map((event) => event.type),
      [RUN_STARTED, ...Array<string>(first.record.pages).fill(RUN_PAGE), RUN_FINISHED],
      'the run is a start record, a checkpoint per page and an end record',
    );
    const start = records[0]!;
    t.same(recordOf<FinishedRecord>(records.at(-1)!), first.record, 'the end record is the report');

    const snapshots = (await world.ledgerEvents()).filter(
      (event) => event.metadata.reconciliation !== undefined,
    );
    t.equal(snapshots.length, counts.appended, 'the end record counts the snapshots appended');
    for (const snapshot of snapshots) {
      t.equal(snapshot.type, DETAILS_EVENT_TYPE);
      t.equal(snapshot.metadata.causation, `reconcile-${first.record.runId}`);
      t.equal(snapshot.metadata.causationId, start.id, 'caused by the run start record');
      t.equal(snapshot.metadata.causationPosition, start.position);
      const cause = snapshot.metadata.reconciliation as {
        listEntry: { id: string };
        differences: unknown[];
      };
      t.equal(`customer-${cause.listEntry.id}`, snapshot.streamName, 'names the list entry');
      t.ok(cause.differences.length > 0, 'names what differed');
    }
    const summary = await verifyStore(world.service.store, {
      prove: createSignatureProver(world.config.webhookSecrets),
    });
    t.equal(summary.snapshots.unlinked, 0, 'verify resolves every snapshot causation');

    const before = (await world.ledgerEvents()).length;
    const second = await run(100);
    t.equal(second.record.counts.differing, 0, 'the second run finds nothing');
    t.equal(second.record.counts.appended, 0);
    t.equal((await world.ledgerEvents()).length, before, 'and appends no snapshot');
    t.same(second.record.missing, missing, 'missing customers are reported again');
  },
);

void t.test('429 and 503 from the list endpoint are retried after their Retry-After', async (t) => {
  // First list call 429, second 503 (both with Retry-After: 1), then no more faults.
  const world = await startReconcileWorld(t, {
    seedCustomers: 3,
    simRandom: scriptedRandom([0.1, 0.9, 0.1]),
  });
  world.sim.api.setFaults({
    rate429: 0.5,
    rate5xx: 0.5,
    retryAfterSeconds: 1,
    retryAfterOn5xx: true,
  });
  const report = await reconcile({
    store: world.service.store,
    readModelDb: world.service.readModelDb,
    client: world.client(),
    logger: silent,
    signal: new AbortController().signal,
    trigger: 'cli',
    since: new Date('2020-01-01T00:00:00Z'),
  });
  const lists = world.sim.api.requests.filter((request) => request.path.startsWith('/customers?'));
  t.same(
    lists.map((request) => request.status),
    [429, 503, 200],
    'the list call was retried',
  );
  t.ok(lists[1]!.at - lists[0]!.answeredAt! >= 1000, 'no sooner than Retry-After after the 429');
  t.ok(lists[2]!.at - lists[1]!.answeredAt! >= 1000, 'no sooner than Retry-After after the 503');
  t.equal(report.record.outcome, 'completed');
  t.equal(report.record.counts.listed, 3);
  t.equal(report.record.counts.skippedBySince, 0, 'the list carries no update time to skip by');
  t.equal(report.record.counts.appended, 3, 'the three customers unknown to the ledger recorded');
});

function isDeletedInLedger(
  world: Awaited<ReturnType<typeof startReconcileWorld>>,
  id: string,
): boolean {
  const row = world.service.readModelDb
    .prepare('SELECT deleted FROM customers WHERE customer_id = ?')
    .get(id) as { deleted: number } | undefined;
  return row?.deleted === 1;
}

void t.test(
  'two runs started at once never overlap: the second finds the stream taken and writes nothing',
  async (t) => {
    const world = await startReconcileWorld(t, { seedCustomers: 4 });
    world.sim.api.setFaults({ latencyMs: 20 });
    const options = {
      store: world.service.store,
      readModelDb: world.service.readModelDb,
      client: world.client(),
      logger: silent,
      signal: new AbortController().signal,
      trigger: 'cli' as const,
      pageSize: 2,
    };
    const results = await Promise.allSettled([reconcile(options), reconcile(options)]);
    const done = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    t.equal(done.length, 1, 'one run completed');
    t.equal(refused.length, 1, 'the other was refused');
    t.type((refused[0] as PromiseRejectedResult).reason, ReconcileBusyError);
    const records = await world.reconciliationRecords();
    t.equal(records.filter((event) => event.type === RUN_STARTED).length, 1, 'one start record');
    t.equal(new Set(records.map((event) => event.metadata.runId)).size, 1, 'all of one run');
  },
);

void t.test(
  'a stopped run ends with an aborted end record, and the next run starts afresh',
  async (t) => {
    const world = await startReconcileWorld(t, { seedCustomers: 6 });
    world.sim.api.setFaults({ latencyMs: 30 });
    const stop = new AbortController();
    const options = {
      store: world.service.store,
      readModelDb: world.service.readModelDb,
      client: world.client(),
      logger: silent,
      trigger: 'cli' as const,
      pageSize: 2,
    };
    const running = reconcile({ ...options, signal: stop.signal });
    await waitFor(
      async () => (await world.reconciliationRecords()).some((event) => event.type === RUN_PAGE),
      'a first page checkpoint',
    );
    stop.abort();
    const stopped = await running;
    t.equal(stopped.record.outcome, 'aborted');
    t.ok(stopped.record.counts.listed < 6, 'it stopped part-way');
    const last = (await world.reconciliationRecords()).at(-1)!;
    t.equal(last.type, RUN_FINISHED);
    t.equal(recordOf<FinishedRecord>(last).outcome, 'aborted');
    const next = await reconcile({ ...options, signal: new AbortController().signal });
    t.not(next.record.runId, stopped.record.runId, 'a new run');
    t.equal(next.resumedFromPage, null);
    t.equal(next.record.outcome, 'completed');
    await world.settle();
    t.same(world.mismatches(), [], 'and it completed the work');
  },
);

void t.test(
  'a details call that fails counts as failed, is logged without the customer, and the next run retries it',
  async (t) => {
    // The list call passes, both details calls get a 503, then nothing fails any more.
    const world = await startReconcileWorld(t, {
      seedCustomers: 2,
      simRandom: scriptedRandom([0.9, 0.1, 0.1]),
    });
    world.sim.api.setFaults({ rate5xx: 0.5 });
    const { logger, lines } = captureLogger('info');
    const options = {
      store: world.service.store,
      readModelDb: world.service.readModelDb,
      client: createCompilotClient({
        baseUrl: world.sim.api.url,
        apiKey: world.sim.apiKey,
        maxRetries: 0,
      }),
      logger,
      signal: new AbortController().signal,
      trigger: 'cli' as const,
    };
    const first = await reconcile(options);
    t.equal(first.record.outcome, 'completed');
    t.match(first.record.counts, { differing: 2, fetched: 2, failed: 2, appended: 0 });
    const logged = lines.join('');
    t.match(logged, /reconciliation could not repair a customer/);
    for (const customer of world.sim.state.customers()) {
      t.notOk(logged.includes(customer.id), 'no customer id in the log');
    }
    const second = await reconcile(options);
    t.match(
      second.record.counts,
      { differing: 2, appended: 2, failed: 0 },
      'the next run repairs them',
    );
  },
);
