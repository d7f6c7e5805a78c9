import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { applyEvent, type Row } from '../../projections/projection.js';
import { customerStream } from '../../src/events/streams.js';
import { eraseCustomer } from '../../src/retention/erasure.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import { encryptedStore } from '../helpers/encryptedStore.js';
import {
  appendWebhook,
  CUSTOMER_ID,
  detailsBody,
  detailsEvent,
  fixture,
} from '../helpers/projectionEvents.js';

const PERSONAL = [
  'Marie',
  'Dubois',
  'marie.dubois@example.com',
  '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b',
  'user_48213',
  '1990-11-04',
];

/** Every row of every projection after `events`, by table. */
function project(events: readonly RecordedEvent[]): Record<string, Row[]> {
  const tables: Record<string, Row[]> = {};
  for (const projection of projections) {
    const docs = new Map<string, unknown>();
    for (const event of events) {
      if (!projection.handles.includes(event.type)) continue;
      const key = projection.keyOf(event);
      if (key === undefined) continue;
      const { state } = applyEvent(projection, docs.get(key), event);
      if (state === undefined) docs.delete(key);
      else docs.set(key, state);
    }
    for (const [key, state] of [...docs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [table, rows] of Object.entries(projection.rows(key, state))) {
        (tables[table] ??= []).push(...rows);
      }
    }
  }
  return tables;
}

async function journey(store: EventStore): Promise<void> {
  await appendWebhook(store, fixture('customer.created'), 'msg_1');
  const cause = await appendWebhook(store, fixture('customer.updated'), 'msg_2');
  await store.appendToStream(customerStream(CUSTOMER_ID), [
    detailsEvent(detailsBody(), [{ id: 'e', position: cause.position }]),
  ]);
  await appendWebhook(store, fixture('send.scenario', { executionId: 'exec-1' }), 'msg_3');
  await appendWebhook(store, fixture('alert.created', { id: 'alert-1' }), 'msg_4');
  await appendWebhook(store, fixture('customer.deleted'), 'msg_5');
  // Another customer stays as it is.
  await appendWebhook(
    store,
    fixture('customer.created', { customerId: 'other', externalCustomerId: 'user_other' }),
    'msg_6',
  );
}

async function erased(t: Test) {
  const { store, keys } = encryptedStore(t);
  await journey(store);
  // What the live projections applied: the log as it read before the erasure.
  const before = await store.readAll({ maxCount: 10_000 });
  const outcome = await eraseCustomer(
    { store, keys, retentionDays: 0, alertIdsOf: () => ['alert-1'] },
    { customerId: CUSTOMER_ID, reason: 'retention period ended', by: 'test' },
  );
  const log = await store.readAll({ maxCount: 10_000 });
  return { store, outcome, keys, before, log };
}

void t.test(
  'an erasure leaves only ids and dates in every projection, live and rebuilt',
  async (t) => {
    const { outcome, keys, before: plaintext, log } = await erased(t);
    t.equal(await keys.state(CUSTOMER_ID), 'destroyed');
    t.equal(outcome.record.count, 6, 'five customer webhooks and snapshots plus the alert');

    const before = JSON.stringify(project(plaintext));
    for (const text of PERSONAL)
      t.ok(before.includes(text), `before erasure the rows hold ${text}`);
    const listed = new Set(outcome.record.events.map((e) => e.eventId));
    t.ok(
      log.filter((e) => listed.has(e.id)).every((e) => e.encryption?.state === 'erased'),
      'the store now reads every listed event as erased',
    );

    // Live: the plaintext events were applied, then the record and markers.
    const live = project([...plaintext, ...log.slice(plaintext.length)]);
    // Rebuilt: from the log as it reads now.
    const rebuilt = project(log);
    t.same(rebuilt, live, 'a rebuild gives the same rows as the live projection');
    const text = JSON.stringify(live);
    for (const value of PERSONAL) t.notOk(text.includes(value), `no ${value} after erasure`);

    const customer = live.customers!.find((row) => row.customer_id === CUSTOMER_ID)!;
    t.match(customer, {
      external_customer_id: null,
      status: null,
      deleted: 1,
      created_at: '2025-03-03T09:14:02.118Z',
    });
    t.equal(live.wallet_index?.length ?? 0, 0, 'the wallet index forgets the customer');
    const alert = live.alerts!.find((row) => row.alert_id === 'alert-1')!;
    t.equal(alert.customer_id, CUSTOMER_ID);
    t.notOk('reason' in alert, 'the alert keeps personal data only in its document');
    t.match(JSON.parse(String(alert.doc)), {
      externalCustomerId: null,
      reason: null,
      tags: [],
    });
    t.ok(alert.status !== null, 'the alert keeps its status');
    const kinds = live.kyc_observations!.filter((row) => row.customer_id === CUSTOMER_ID);
    t.ok(
      kinds.length > 0 && kinds.every((row) => row.kind === 'erased'),
      'KYC observations are stubs',
    );
    t.ok(
      live.customers!.some(
        (row) => row.customer_id === 'other' && row.external_customer_id === 'user_other',
      ),
      'the other customer keeps its state',
    );
    const retention = live.retention!.find((row) => row.customer_id === CUSTOMER_ID)!;
    t.match(retention, { relationship_end: '2025-06-10T12:00:00.000Z', erased_at: String });
  },
);

void t.test('data arriving for an erased customer is not folded back into its stub', async (t) => {
  const { store, log } = await erased(t);
  const late = await appendWebhook(
    store,
    fixture('customer.updated', { updatedAt: '2026-01-01T00:00:00.000Z', status: 'Active' }),
    'msg_late',
  );
  t.ok(late.position);
  const after = project(await store.readAll({ maxCount: 10_000 }));
  const customer = after.customers!.find((row) => row.customer_id === CUSTOMER_ID)!;
  t.equal(customer.status, null);
  t.equal(customer.external_customer_id, null);
  t.ok(log.length > 0);
});
