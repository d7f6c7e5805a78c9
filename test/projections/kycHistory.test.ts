import t from 'tap';
import {
  decodeKyc,
  encodeKyc,
  kycHistoryOf,
  kycHistoryProjection,
  type KycDocument,
  type KycHistoryEntry,
} from '../../projections/kycHistory.js';
import { applyEvent } from '../../projections/projection.js';
import {
  CUSTOMER_ID,
  detailsBody,
  fixture,
  recordedDetails,
  recordedWebhook,
} from '../helpers/projectionEvents.js';

function summary(entries: readonly KycHistoryEntry[]) {
  return entries.map((e) => `${e.effectiveAt} ${e.kind}: ${e.from ?? '-'} -> ${e.to ?? '-'}`);
}

function journey() {
  const created = recordedWebhook(fixture('customer.created'), 'msg_created', 1);
  const aml = recordedWebhook(
    fixture('customer.updated', {
      onboardingLevel: 'AML screening',
      status: null,
      riskScore: null,
      reason: null,
      updatedAt: '2025-03-03T09:18:00.000Z',
    }),
    'msg_aml',
    2,
  );
  const flow = recordedWebhook(
    fixture('send.verification.flow'),
    'msg_flow',
    3,
    '2025-03-03T09:19:00.000Z',
  );
  const scenario = recordedWebhook(
    fixture('send.scenario'),
    'msg_scenario',
    4,
    '2025-03-03T09:20:00.000Z',
  );
  const approved = recordedWebhook(fixture('customer.updated'), 'msg_approved', 5);
  const details = recordedDetails(detailsBody(), [approved], 6);
  return { created, aml, flow, scenario, approved, details };
}

void t.test('a journey gives one entry per change, in ComPilot time order, with evidence', (t) => {
  // Given an onboarding journey
  const { created, aml, flow, scenario, approved, details } = journey();
  // When its history is folded
  const history = kycHistoryOf([created, aml, flow, scenario, approved, details]);
  // Then each change of status, level and risk score is an entry, and so is each run
  t.same(summary(history), [
    '2025-03-03T09:14:02.118Z onboardingLevel: - -> Started',
    '2025-03-03T09:18:00.000Z onboardingLevel: Started -> AML screening',
    '2025-03-03T09:19:00.000Z verification-flow: - -> integratedScorechain: Low Risk (12); integratedIpqualityscore: ip fraud 8, email fraud 0',
    '2025-03-03T09:20:00.000Z scenario: - -> valid',
    '2025-03-03T09:21:40.512Z status: - -> Active',
    '2025-03-03T09:21:40.512Z onboardingLevel: AML screening -> Onboarded',
    '2025-03-03T09:21:40.512Z riskScore: - -> Low',
  ]);
  const active = history.find((e) => e.kind === 'status')!;
  t.equal(active.reason, 'Rules engine verification passed');
  t.same(active.evidence, {
    source: 'webhook',
    webhook: {
      eventId: approved.id,
      eventType: 'customer.updated',
      position: approved.position,
      svixId: 'msg_approved',
    },
    snapshot: {
      eventId: details.id,
      position: details.position,
      fetchedAt: '2025-03-03T09:31:00.000Z',
    },
  });
  t.same(
    history.map((e) => e.seq),
    [0, 1, 2, 3, 4, 5, 6],
  );
  const scenarioEntry = history.find((e) => e.kind === 'scenario')!;
  t.match(scenarioEntry.detail, {
    executionId: 'exec_Qm3r8TzL1bVa',
    result: 'valid',
    scenarios: [{ scenarioId: 'scenario_Hn4k2LpQ9xRw', results: [{ isValid: true }] }],
  });
  const flowEntry = history.find((e) => e.kind === 'verification-flow')!;
  t.match(flowEntry.detail, {
    checks: [
      { type: 'integratedScorechain', riskLevel: 'Low Risk', riskScore: 12 },
      { type: 'integratedIpqualityscore', ipFraudScore: 8, emailFraudScore: 0 },
    ],
  });
  t.end();
});

void t.test('shuffled and repeated deliveries give the same history', (t) => {
  const { created, aml, flow, scenario, approved, details } = journey();
  const expected = summary(kycHistoryOf([created, aml, flow, scenario, approved, details]));
  const flowAgain = recordedWebhook(fixture('send.verification.flow'), 'msg_flow_again', 7);
  const approvedAgain = recordedWebhook(fixture('customer.updated'), 'msg_approved_again', 8);
  t.same(summary(kycHistoryOf([details, approved, scenario, flow, aml, created])), expected);
  t.same(
    summary(
      kycHistoryOf([approvedAgain, flowAgain, created, details, aml, approved, scenario, flow]),
    ),
    expected,
  );
  t.same(
    summary(kycHistoryOf([created, created, aml, aml, approved, details, details])),
    summary(kycHistoryOf([created, aml, approved, details])),
  );
  t.end();
});

void t.test('a late webhook is slotted in and the following entry changes its from', (t) => {
  const { created, approved } = journey();
  const review = recordedWebhook(
    fixture('customer.updated', {
      status: 'To be reviewed',
      riskScore: 'High',
      onboardingLevel: 'KYC',
      reason: 'AML screening hits received during onboarding',
      updatedAt: '2025-03-03T09:20:00.000Z',
    }),
    'msg_review',
    9,
  );
  t.same(summary(kycHistoryOf([created, approved, review])), [
    '2025-03-03T09:14:02.118Z onboardingLevel: - -> Started',
    '2025-03-03T09:20:00.000Z status: - -> To be reviewed',
    '2025-03-03T09:20:00.000Z onboardingLevel: Started -> KYC',
    '2025-03-03T09:20:00.000Z riskScore: - -> High',
    '2025-03-03T09:21:40.512Z status: To be reviewed -> Active',
    '2025-03-03T09:21:40.512Z onboardingLevel: KYC -> Onboarded',
    '2025-03-03T09:21:40.512Z riskScore: High -> Low',
  ]);
  t.end();
});

void t.test(
  'a change first seen in a snapshot names the snapshot and the webhook it was fetched for',
  (t) => {
    const { created } = journey();
    const officerEdit = recordedDetails(
      detailsBody({ status: 'Escalated', updatedAt: '2025-03-05T08:00:00.000Z' }),
      [created],
      3,
    );
    const history = kycHistoryOf([created, officerEdit]);
    const escalated = history.find((e) => e.kind === 'status')!;
    t.equal(escalated.to, 'Escalated');
    t.same(escalated.evidence, {
      source: 'details',
      webhook: {
        eventId: created.id,
        eventType: 'customer.created',
        position: created.position,
        svixId: 'msg_created',
      },
      snapshot: {
        eventId: officerEdit.id,
        position: officerEdit.position,
        fetchedAt: '2025-03-03T09:31:00.000Z',
      },
    });
    t.end();
  },
);

void t.test('a deleted customer gets a deleted entry with the reason', (t) => {
  const { created, approved } = journey();
  const deleted = recordedWebhook(fixture('customer.deleted'), 'msg_deleted', 7);
  const history = kycHistoryOf([created, approved, deleted]);
  t.same(summary(history).slice(-2), [
    '2025-06-10T12:00:00.000Z status: Active -> Terminated',
    '2025-06-10T12:00:00.000Z deleted: - -> -',
  ]);
  t.equal(history.at(-1)!.reason, 'Account closed at customer request');
  t.end();
});

void t.test('the projection stores each observation and each execution once', (t) => {
  const { created, scenario } = journey();
  const first = applyEvent(kycHistoryProjection, undefined, created);
  t.equal(first.key, created.position);
  t.match(first.changes, [
    { table: 'kyc_observations', op: 'upsert', row: { customer_id: CUSTOMER_ID, kind: 'state' } },
  ]);
  t.same(
    applyEvent(kycHistoryProjection, first.state, created).changes,
    [],
    'a repeat changes nothing',
  );
  const run = applyEvent(kycHistoryProjection, undefined, scenario);
  t.equal(run.key, `${CUSTOMER_ID}|scenario|exec_Qm3r8TzL1bVa`);
  t.match(run.changes, [{ op: 'upsert', row: { kind: 'scenario' } }]);
  const again = recordedWebhook(fixture('send.scenario'), 'msg_scenario_again', 9);
  t.equal(kycHistoryProjection.keyOf(again), run.key, 'the same execution is the same document');
  const oneWay = kycHistoryProjection.evolve(
    kycHistoryProjection.evolve(undefined, scenario),
    again,
  );
  const otherWay = kycHistoryProjection.evolve(
    kycHistoryProjection.evolve(undefined, again),
    scenario,
  );
  t.same(oneWay, otherWay, 'whichever copy came first, the same one is kept');
  t.end();
});

void t.test('stored observations decode to the same documents', (t) => {
  const { created, aml, flow, scenario, approved, details } = journey();
  for (const event of [created, aml, flow, scenario, approved, details]) {
    const doc = kycHistoryProjection.evolve(undefined, event) as KycDocument;
    t.same(decodeKyc(encodeKyc(doc)), doc, event.type);
  }
  t.end();
});
