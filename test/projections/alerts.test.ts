import t from 'tap';
import { alertsProjection, evolveAlert, type AlertState } from '../../projections/alerts.js';
import { applyEvent } from '../../projections/projection.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { CUSTOMER_ID, fixture, recordedWebhook } from '../helpers/projectionEvents.js';

const fold = (events: readonly RecordedEvent[]): AlertState | undefined =>
  events.reduce<AlertState | undefined>((state, event) => evolveAlert(state, event), undefined);

function alertJourney() {
  const created = recordedWebhook(fixture('alert.created'), 'msg_a1', 1);
  const investigating = recordedWebhook(fixture('alert.updated'), 'msg_a2', 2);
  const deleted = recordedWebhook(fixture('alert.deleted'), 'msg_a3', 3);
  return { created, investigating, deleted };
}

void t.test('an alert takes the state of its newest webhook', (t) => {
  const { created, investigating } = alertJourney();
  const state = fold([created, investigating])!;
  t.match(state, {
    alertId: 'alrt_Zp3Xk8Rm2Qa1',
    customerId: CUSTOMER_ID,
    status: 'Under Investigation',
    severity: 'High',
    reason: 'Sanctions hit during AML screening',
    tags: [{ id: 'tag_Lk9d2Fq7Wm0s', title: 'needs-edd', type: 'alert' }],
    workflowName: 'KYC onboarding',
    scenarioAlertCount: 1,
    createdAt: '2025-03-03T09:21:38.004Z',
    updatedAt: '2025-03-04T15:02:11.730Z',
    deleted: false,
    lastEventPosition: investigating.position,
  });
  t.equal(state.evidence.svixId, 'msg_a2');
  t.end();
});

void t.test('a late created webhook does not reopen an alert under investigation', (t) => {
  const { created, investigating } = alertJourney();
  const late = recordedWebhook(fixture('alert.created'), 'msg_a1_late', 4);
  t.equal(fold([investigating, late])!.status, 'Under Investigation');
  t.same(fold([created, investigating, late, investigating])!.status, 'Under Investigation');
  t.end();
});

void t.test('a deleted alert stays deleted and keeps its last state', (t) => {
  const { created, investigating, deleted } = alertJourney();
  for (const order of [
    [created, investigating, deleted],
    [deleted, created, investigating],
    [investigating, deleted, created],
  ]) {
    const state = fold(order)!;
    t.equal(state.deleted, true);
    t.equal(state.deletedAt, '2025-03-05T10:00:00.000Z');
    t.equal(state.status, 'Closed');
    t.equal(state.reason, 'False positive, name match only');
  }
  t.end();
});

void t.test('the projection writes one alerts row with the state as its document', (t) => {
  const { created, investigating } = alertJourney();
  const first = applyEvent(alertsProjection, undefined, created);
  t.equal(first.key, 'alrt_Zp3Xk8Rm2Qa1');
  t.match(first.changes, [
    {
      table: 'alerts',
      op: 'upsert',
      row: { alert_id: 'alrt_Zp3Xk8Rm2Qa1', status: 'Open', deleted: 0 },
    },
  ]);
  const second = applyEvent(alertsProjection, first.state, investigating);
  const row = second.changes[0]!.row;
  t.same(JSON.parse(String(row.doc)), second.state, 'the doc column holds the state');
  t.same(
    applyEvent(alertsProjection, second.state, created).changes,
    [],
    'an older webhook changes nothing',
  );
  t.end();
});
