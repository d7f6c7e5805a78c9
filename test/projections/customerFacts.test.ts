/**
 * The per-field rules of customer-state (projections/customerFacts.ts), seen through the fold:
 * every field is last-writer-wins by ComPilot's time, so late updates and stale snapshots lose,
 * missing fields are kept, deletion is final, wallets merge what snapshots and runs saw, and a
 * not-found answer lasts until a newer fetch.
 */
import t from 'tap';
import { evolveCustomer, foldCustomer } from '../../projections/customerState.js';
import { customerStream } from '../../src/events/streams.js';
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
