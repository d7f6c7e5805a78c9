/**
 * The customer-state projection itself: folding a customer's stream gives its state with the
 * evidence of each field whatever the delivery order, evolve keeps to its customer and its
 * input, the owned (in-place) path agrees with it, poison throws, and the state becomes one
 * `customers` row. The per-field rules are in customerFacts.test.ts.
 */
import t from 'tap';
import {
  comPilotTime,
  customerStateProjection,
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
import { EVM, journey } from '../helpers/customerJourney.js';
import {
  CUSTOMER_ID,
  detailsBody,
  fixture,
  recorded,
  recordedDetails,
  recordedWebhook,
  webhookEvent,
} from '../helpers/projectionEvents.js';

/** The state without the fields that follow log positions (they differ per delivery order). */
function content(state: CustomerState | undefined) {
  if (state === undefined) return undefined;
  const { evidence, ...rest }: { -readonly [K in keyof CustomerState]?: CustomerState[K] } = state;
  delete rest.lastEventPosition;
  const ids = Object.fromEntries(Object.entries(evidence).map(([field, e]) => [field, e?.eventId]));
  return { ...rest, evidence: ids };
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
