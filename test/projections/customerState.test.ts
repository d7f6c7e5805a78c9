import t from 'tap';
import {
  comPilotTime,
  customerStateProjection,
  decodeCustomer,
  encodeCustomer,
  evolveCustomer,
  evolveOwnedCustomer,
  foldCustomer,
  type CustomerState,
} from '../../projections/customerState.js';
import { UndecodableEventError } from '../../projections/eventFacts.js';
import { applyEvent } from '../../projections/projection.js';
import { customerStream } from '../../src/events/streams.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import {
  CUSTOMER_ID,
  detailsBody,
  fixture,
  recorded,
  recordedDetails,
  recordedWebhook,
  webhookEvent,
} from '../helpers/projectionEvents.js';

const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';

/** The state without the fields that follow log positions (they differ per delivery order). */
function content(state: CustomerState | undefined) {
  if (state === undefined) return undefined;
  const { evidence, ...rest }: { -readonly [K in keyof CustomerState]?: CustomerState[K] } = state;
  delete rest.lastEventPosition;
  const ids = Object.fromEntries(Object.entries(evidence).map(([field, e]) => [field, e?.eventId]));
  return { ...rest, evidence: ids };
}

function journey() {
  const created = recordedWebhook(fixture('customer.created'), 'msg_created', 1);
  const updated = recordedWebhook(fixture('customer.updated'), 'msg_updated', 2);
  const details = recordedDetails(detailsBody(), [updated], 3);
  return { created, updated, details };
}

void t.test('a customer journey in order gives the current state with its evidence', (t) => {
  // Given the created webhook, the KYC-approved update and the details fetched for it
  const { created, updated, details } = journey();
  // When they are folded
  const state = foldCustomer([created, updated, details])!;
  // Then the state is the newest, with the snapshot's profile
  t.match(state, {
    customerId: CUSTOMER_ID,
    externalCustomerId: 'user_48213',
    type: 'Individual',
    status: 'Active',
    riskScore: 'Low',
    onboardingLevel: 'Onboarded',
    reason: 'Rules engine verification passed',
    name: 'Marie Dubois',
    nationality: 'FRA',
    residence: 'FRA',
    birthdate: '1990-11-04',
    emails: ['marie.dubois@example.com'],
    wallets: [{ address: EVM, namespace: 'eip155', verified: true, source: 'details' }],
    createdAt: '2025-03-03T09:14:02.118Z',
    updatedAt: '2025-03-03T09:21:40.512Z',
    deleted: false,
    detailsFetchedAt: '2025-03-03T09:31:00.000Z',
    detailsNotFound: false,
    lastEventPosition: details.position,
  });
  t.equal(state.evidence.reason?.svixId, 'msg_updated', 'the reason came from the update');
  t.equal(
    state.evidence.status?.eventId,
    details.id,
    'the snapshot at the same time confirms the status',
  );
  t.equal(state.evidence.claims?.eventId, details.id);
  t.end();
});

void t.test('delivery order and repeats do not change the state', (t) => {
  // Given the same facts delivered in every order, some twice under another svix id
  const { created, updated, details } = journey();
  const again = recordedWebhook(fixture('customer.updated'), 'msg_updated_again', 4);
  const expected = content(foldCustomer([created, updated, details]));
  const orders: RecordedEvent[][] = [
    [details, updated, created],
    [updated, created, details],
    [created, details, again, updated],
    [again, details, created, updated, details],
  ];
  // Then every order converges to the in-order state
  for (const order of orders) {
    const state = content(foldCustomer(order));
    t.same(
      { ...state, evidence: undefined },
      { ...expected, evidence: undefined },
      order.map((e) => e.id).join(),
    );
  }
  t.end();
});

void t.test('an older update arriving late does not overwrite a newer one', (t) => {
  // Given the customer became Active at 09:21, then To be reviewed at 10:00
  const active = recordedWebhook(fixture('customer.updated'), 'msg_active', 2);
  const review = recordedWebhook(
    fixture('customer.updated', {
      status: 'To be reviewed',
      riskScore: 'High',
      reason: 'AML screening hits received during ongoing monitoring',
      updatedAt: '2025-03-03T10:00:00.000Z',
    }),
    'msg_review',
    1,
  );
  // When the 09:21 update is delivered after the 10:00 one
  const state = foldCustomer([review, active])!;
  // Then the 10:00 state stands
  t.equal(state.status, 'To be reviewed');
  t.equal(state.riskScore, 'High');
  t.equal(state.reason, 'AML screening hits received during ongoing monitoring');
  t.equal(state.updatedAt, '2025-03-03T10:00:00.000Z');
  t.equal(state.lastEventPosition, active.position, 'the last position still follows the log');
  t.end();
});

void t.test('a stale snapshot does not undo a newer webhook', (t) => {
  const review = recordedWebhook(
    fixture('customer.updated', {
      status: 'To be reviewed',
      updatedAt: '2025-03-04T00:00:00.000Z',
    }),
    'msg_review',
    1,
  );
  const oldSnapshot = recordedDetails(detailsBody(), [], 2);
  const state = foldCustomer([review, oldSnapshot])!;
  t.equal(state.status, 'To be reviewed');
  t.equal(state.name, 'Marie Dubois', 'profile fields only the snapshot has are still taken');
  t.end();
});

void t.test('a snapshot without some fields keeps what is known of them', (t) => {
  const { created, updated } = journey();
  const partial = recordedDetails(
    {
      id: CUSTOMER_ID,
      status: 'Active',
      updatedAt: '2025-03-05T00:00:00.000Z',
      customerEmails: 'odd',
    },
    [updated],
    3,
  );
  const state = foldCustomer([created, updated, partial])!;
  t.equal(state.riskScore, 'Low', 'riskScore absent from the snapshot: unchanged');
  t.equal(state.onboardingLevel, 'Onboarded');
  t.same(state.emails, [], 'emails that are not a list are ignored');
  t.equal(state.updatedAt, '2025-03-05T00:00:00.000Z');
  t.end();
});

void t.test('a deleted customer stays deleted whatever arrives later', (t) => {
  const { created, updated } = journey();
  const deleted = recordedWebhook(fixture('customer.deleted'), 'msg_deleted', 3);
  const state = foldCustomer([deleted, updated, created])!;
  t.equal(state.deleted, true);
  t.equal(state.deletedAt, '2025-06-10T12:00:00.000Z');
  t.equal(state.status, 'Terminated');
  t.equal(state.reason, 'Account closed at customer request');
  t.end();
});

void t.test('scenario addresses join the wallets; EVM addresses match case-insensitively', (t) => {
  const { created, updated, details } = journey();
  const scenario = recordedWebhook(
    fixture('send.scenario', { address: EVM.toUpperCase().replace('0X', '0x') }),
    'msg_scenario',
    4,
  );
  const other = recordedWebhook(
    fixture('send.verification.flow', { address: 'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb' }),
    'msg_flow',
    5,
  );
  const state = foldCustomer([created, scenario, updated, other, details])!;
  t.same(
    state.wallets.map((w) => [w.address, w.source]),
    [
      [EVM, 'details'],
      ['tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb', 'send.verification.flow'],
    ],
  );
  // A newer snapshot without the wallet drops the snapshot's entry; what scenarios saw stays.
  const newer = recordedDetails(
    detailsBody({ updatedAt: '2025-04-01T00:00:00.000Z', customerWallets: [] }),
    [],
    6,
  );
  const after = evolveCustomer(state, newer)!;
  t.same(
    after.wallets.map((w) => w.source),
    ['send.scenario', 'send.verification.flow'],
  );
  t.end();
});

void t.test('a not-found answer is recorded until a newer fetch finds the customer', (t) => {
  const { created, updated } = journey();
  const notFoundEvent = recorded(
    {
      ...webhookEvent({}, 'x'),
      type: 'compilot.customer.not-found',
      data: Buffer.from('{"error":"Customer not found"}'),
      metadata: { fetchedAt: '2025-03-03T09:40:00.000Z' },
    },
    customerStream(CUSTOMER_ID),
    { position: 3 },
  );
  const gone = foldCustomer([created, updated, notFoundEvent])!;
  t.equal(gone.detailsNotFound, true);
  t.equal(gone.status, 'Active', 'a 404 does not invent a status');
  const found = recordedDetails(detailsBody(), [updated], 4, '2025-03-03T09:50:00.000Z');
  t.equal(evolveCustomer(gone, found)!.detailsNotFound, false);
  t.end();
});

void t.test('evolve leaves its input untouched and ignores other customers and types', (t) => {
  const { created, updated } = journey();
  const state = foldCustomer([created])!;
  const frozen = JSON.stringify(state);
  evolveCustomer(state, updated);
  t.equal(JSON.stringify(state), frozen, 'input state unchanged');
  const stranger = recordedWebhook(
    fixture('customer.updated', { customerId: 'another' }),
    'msg_other',
    9,
  );
  t.equal(evolveCustomer(state, stranger), state, 'another customer: same state');
  const quarantined = recorded({ ...webhookEvent({}, 'q'), type: 'quarantined' }, 'quarantine');
  t.equal(evolveCustomer(state, quarantined), state, 'quarantined: same state');
  t.equal(comPilotTime(quarantined), undefined);
  t.end();
});

void t.test(
  'evolving an owned state in place gives what evolve gives; poison changes nothing',
  (t) => {
    // Given a journey with a scenario, a repeated snapshot and a newer one without wallets
    const { created, updated, details } = journey();
    const scenario = recordedWebhook(fixture('send.scenario', { address: EVM }), 'msg_scenario', 4);
    const newer = recordedDetails(
      detailsBody({ updatedAt: '2025-04-01T00:00:00.000Z', customerWallets: [] }),
      [],
      6,
    );
    const events = [created, scenario, updated, details, details, newer];
    // When the first event is applied by evolve and the others in place (as the projector does)
    let owned = evolveCustomer(undefined, events[0]!)!;
    for (const event of events.slice(1)) owned = evolveOwnedCustomer(owned, event)!;
    // Then the state is the pure fold's, down to its stored form
    const folded = foldCustomer(events)!;
    t.same(owned, folded);
    t.equal(encodeCustomer(owned), encodeCustomer(folded));
    // And an undecodable event throws before it changes the owned state
    const bad = recorded(
      { ...webhookEvent({}, 'bad'), type: 'customer.updated', data: Buffer.from('not json') },
      customerStream(CUSTOMER_ID),
    );
    const before = encodeCustomer(owned);
    t.throws(() => evolveOwnedCustomer(owned, bad), UndecodableEventError);
    t.equal(encodeCustomer(owned), before);
    t.end();
  },
);

void t.test('an event whose body is not JSON is poison', (t) => {
  const bad = recorded(
    { ...webhookEvent({}, 'bad'), type: 'customer.updated', data: Buffer.from('not json') },
    customerStream(CUSTOMER_ID),
  );
  t.throws(() => evolveCustomer(undefined, bad), UndecodableEventError);
  t.end();
});

void t.test('comPilotTime reads ComPilot timestamps and falls back to the svix timestamp', (t) => {
  const { created, updated, details } = journey();
  t.equal(comPilotTime(created), '2025-03-03T09:14:02.118Z', 'created: createdAt');
  t.equal(comPilotTime(updated), '2025-03-03T09:21:40.512Z', 'updated: updatedAt');
  t.equal(comPilotTime(details), '2025-03-03T09:21:40.512Z', 'snapshot: its updatedAt');
  const deleted = recordedWebhook(fixture('customer.deleted', { updatedAt: null }), 'msg_d');
  t.equal(comPilotTime(deleted), '2025-06-10T12:00:00.000Z', 'deleted: deletedAt');
  const scenario = recordedWebhook(fixture('send.scenario'), 'msg_s');
  t.equal(comPilotTime(scenario), '2025-03-03T09:30:00.000Z', 'scenario: svix-timestamp');
  const alert = recordedWebhook(fixture('alert.updated'), 'msg_a');
  t.equal(comPilotTime(alert), '2025-03-04T15:02:11.730Z', 'alert: updatedAt');
  t.end();
});

void t.test('the customer-state projection writes one customers row per customer', (t) => {
  const { created, updated } = journey();
  const first = applyEvent(customerStateProjection, undefined, created);
  t.equal(first.key, CUSTOMER_ID);
  t.match(first.changes, [
    { table: 'customers', op: 'upsert', row: { customer_id: CUSTOMER_ID, status: null } },
  ]);
  const second = applyEvent(customerStateProjection, first.state, updated);
  t.match(second.changes, [
    { op: 'upsert', row: { status: 'Active', risk_score: 'Low', deleted: 0 } },
  ]);
  const repeat = applyEvent(customerStateProjection, second.state, updated);
  t.same(repeat.changes, [], 'a repeated event changes nothing');
  t.end();
});

void t.test('the stored form of a state decodes to the same state', (t) => {
  const { created, updated, details } = journey();
  const scenario = recordedWebhook(fixture('send.scenario'), 'msg_s', 4);
  const deleted = recordedWebhook(fixture('customer.deleted'), 'msg_d', 5);
  for (const events of [
    [created],
    [created, updated, details, scenario],
    [scenario, deleted, details],
  ]) {
    const state = foldCustomer(events)!;
    t.same(decodeCustomer(encodeCustomer(state)), state);
  }
  t.end();
});
