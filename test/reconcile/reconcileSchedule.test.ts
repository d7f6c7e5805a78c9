import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import { openApiDocument } from '../../src/query/openapi.js';
import { timelineBuilder } from '../../src/audit/timeline.js';
import {
  recordOf,
  RUN_FINISHED,
  type FinishedRecord,
  type StartedRecord,
} from '../../src/reconcile/runRecords.js';
import { send } from '../helpers/httpServer.js';
import { QUERY_TOKEN, startReconcileWorld } from '../helpers/reconcileHarness.js';
import { waitFor } from '../helpers/simulatorHarness.js';

const addFormats = addFormatsPlugin.default;

void t.test(
  'serve runs reconciliation on its schedule; metrics, GET /reconciliations and the timeline show the run',
  async (t) => {
    const world = await startReconcileWorld(t, {
      seedCustomers: 3,
      env: { RECONCILE_INTERVAL_MS: '3600000' },
    });
    const finishedEvent = async () =>
      (await world.reconciliationRecords()).find((event) => event.type === RUN_FINISHED);
    await waitFor(async () => (await finishedEvent()) !== undefined, 'the scheduled run to end');
    const records = await world.reconciliationRecords();
    const started = recordOf<StartedRecord>(records[0]!);
    const finished = recordOf<FinishedRecord>((await finishedEvent())!);
    t.equal(started.trigger, 'schedule');
    t.equal(finished.counts.differing, 3, 'the three customers the ledger never heard of');
    t.equal(finished.counts.appended, 3);
    await world.settle();
    t.same(world.mismatches(), [], 'the ledger now knows them as ComPilot does');

    const metrics = (await send(world.service.port, '/metrics', { method: 'GET' })).body.toString();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    t.equal(
      value('compilot_ledger_reconcile_last_run_timestamp_seconds'),
      Date.parse(finished.finishedAt) / 1000,
      'last run time is the end record',
    );
    t.equal(value('compilot_ledger_reconcile_last_run_differences'), 3);
    t.equal(value('compilot_ledger_reconcile_last_run_appended'), 3);
    t.equal(value('compilot_ledger_reconcile_last_run_missing'), 0);
    t.equal(value('compilot_ledger_reconcile_runs_total\\{outcome="completed"\\}'), 1);
    t.equal(value('compilot_ledger_reconcile_differences_total'), 3);
    t.equal(value('compilot_ledger_reconcile_snapshots_appended_total'), 3);

    const auth = { authorization: `Bearer ${QUERY_TOKEN}` };
    const answer = await send(world.service.port, '/reconciliations', {
      method: 'GET',
      headers: auth,
    });
    t.equal(answer.status, 200);
    const page = answer.json<{ runs: Record<string, unknown>[]; nextCursor: string | null }>();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...openApiDocument(), $id: 'openapi.json' });
    const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/ReconciliationPage' });
    t.ok(
      validate(page),
      `the answer matches its OpenAPI schema ${ajv.errorsText(validate.errors)}`,
    );
    t.equal(page.runs.length, 1);
    t.match(page.runs[0], {
      runId: finished.runId,
      outcome: 'completed',
      trigger: 'schedule',
      counts: finished.counts,
      startEvent: { id: records[0]!.id, position: records[0]!.position },
    });
    const bad = await send(world.service.port, '/reconciliations?cursor=x', {
      method: 'GET',
      headers: auth,
    });
    t.equal(bad.status, 400, 'a cursor it did not issue is refused');

    const customerId = world.sim.state.customers()[0]!.id;
    const builder = timelineBuilder();
    for (const event of await world.service.store.readStream(customerStream(customerId))) {
      builder.add(event);
    }
    const timeline = builder.finish();
    const row = timeline.rows.find((candidate) => candidate.origin === 'reconciliation');
    t.ok(row, 'the timeline marks the snapshot as coming from reconciliation');
    t.same(row?.reconciliation, { runId: finished.runId, differed: ['unknown'] });
    t.match(row?.evidence, `by reconciliation run ${finished.runId}`);
    const events = await send(world.service.port, `/customers/${customerId}/events`, {
      method: 'GET',
      headers: auth,
    });
    t.same(
      events.json<{ events: { origin: string }[] }>().events.map((event) => event.origin),
      ['reconciliation'],
      'the audit trail says where the event came from',
    );
  },
);
