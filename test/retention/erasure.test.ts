import t, { type Test } from 'tap';
import { customerStream, alertStream } from '../../src/events/streams.js';
import {
  eraseCustomer,
  ErasureRefusedError,
  recoverErasures,
  type ErasureDeps,
} from '../../src/retention/erasure.js';
import {
  ALERT_PURGE_EVENT_TYPE,
  ERASED_EVENT_TYPE,
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
  OFFBOARDED_EVENT_TYPE,
  encodeRecord,
  recordData,
  type ErasedData,
} from '../../src/events/retentionEvents.js';
import {
  erasureEventId,
  offboardEventId,
  retentionHoldEventId,
} from '../../src/retention/erasureIds.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { encryptedStore } from '../helpers/encryptedStore.js';
import { appendWebhook, CUSTOMER_ID, fixture } from '../helpers/projectionEvents.js';

const DELETED_AT = '2025-06-10T12:00:00.000Z';

async function setUp(t: Test) {
  const { store, keys } = encryptedStore(t);
  await appendWebhook(store, fixture('customer.created'), 'msg_1');
  await appendWebhook(store, fixture('send.scenario', { executionId: 'x-1' }), 'msg_2');
  await appendWebhook(store, fixture('alert.created', { id: 'alert-1' }), 'msg_3');
  await appendWebhook(store, fixture('customer.deleted'), 'msg_4');
  const deps = (now: string, retentionDays = 1826): ErasureDeps => ({
    store,
    keys,
    retentionDays,
    alertIdsOf: () => ['alert-1'],
    clock: () => new Date(now),
  });
  return { store, keys, deps };
}

async function offboard(store: EventStore, at: string) {
  await store.appendToStream(customerStream(CUSTOMER_ID), [
    {
      id: offboardEventId(CUSTOMER_ID, at, 'closed'),
      type: OFFBOARDED_EVENT_TYPE,
      data: encodeRecord({
        customerId: CUSTOMER_ID,
        offboardedAt: at,
        reason: 'closed',
        recordedAt: at,
      }),
      metadata: {},
    },
  ]);
}

const request = { customerId: CUSTOMER_ID, reason: 'retention period ended', by: 'officer_7' };

void t.test(
  'erasure before the retention period ends is refused, naming the date it ends',
  async (t) => {
    const { store, keys, deps } = await setUp(t);
    const error = await eraseCustomer(deps('2030-06-09T00:00:00.000Z'), request).catch(
      (e: unknown) => e,
    );
    t.type(error, ErasureRefusedError);
    // 1826 days after 2025-06-10T12:00Z.
    t.equal((error as ErasureRefusedError).erasableFrom, '2030-06-10T12:00:00.000Z');
    t.match((error as Error).message, /not erasable before 2030-06-10T12:00:00\.000Z/);
    t.match((error as Error).message, /--override/);
    t.equal(await keys.state(CUSTOMER_ID), 'active', 'the key is untouched');
    const events = await store.readStream(customerStream(CUSTOMER_ID));
    t.notOk(
      events.some((e) => e.type === ERASED_EVENT_TYPE),
      'nothing is written',
    );
  },
);

void t.test(
  'a customer with no end of relationship cannot be erased without an override',
  async (t) => {
    const { store, keys } = encryptedStore(t);
    await appendWebhook(store, fixture('customer.created'), 'msg_1');
    const error = await eraseCustomer(
      { store, keys, retentionDays: 0, alertIdsOf: () => [] },
      request,
    ).catch((e: unknown) => e);
    t.match((error as Error).message, /no end of relationship recorded/);
  },
);

void t.test(
  'a customer ComPilot reported again, not deleted, after its deletion is not erasable without an override',
  async (t) => {
    const { store, keys, deps } = await setUp(t);
    const restoredAt = '2025-09-01T08:00:00.000Z';
    await appendWebhook(
      store,
      fixture('customer.updated', { updatedAt: restoredAt, deletedAt: null, deletedBy: null }),
      'msg_5',
    );
    // Long after the deletion's retention period: only the restoration keeps the data.
    const error = await eraseCustomer(deps('2032-01-01T00:00:00.000Z'), request).catch(
      (e: unknown) => e,
    );
    t.type(error, ErasureRefusedError);
    t.match((error as Error).message, `was deleted at ${DELETED_AT}`);
    t.match((error as Error).message, `not deleted, at ${restoredAt}`);
    t.match((error as Error).message, /--override/);
    t.equal(await keys.state(CUSTOMER_ID), 'active', 'the key is untouched');
    const outcome = await eraseCustomer(deps('2032-01-01T00:00:00.000Z'), {
      ...request,
      override: 'customer asked for erasure, no AML hold',
    });
    t.equal(outcome.kind, 'erased', 'an override still erases');
    t.equal(outcome.record.relationshipEnd, null, 'and the record says no end applied');
  },
);

void t.test(
  'a retention hold keeps the data past the period until it ends or is released',
  async (t) => {
    const { store, keys, deps } = await setUp(t);
    const place = (n: number, type: string, data: object) =>
      store.appendToStream(customerStream(CUSTOMER_ID), [
        {
          id: retentionHoldEventId(CUSTOMER_ID, n),
          type,
          data: encodeRecord({
            customerId: CUSTOMER_ID,
            reason: 'FIU request',
            recordedAt: '2030-01-01T00:00:00.000Z',
            ...data,
          }),
          metadata: {},
        },
      ]);
    await place(0, HOLD_PLACED_EVENT_TYPE, { until: '2033-01-01T00:00:00.000Z' });
    // The retention period ended on 2030-06-10; the hold runs to 2033.
    const held = await eraseCustomer(deps('2032-01-01T00:00:00.000Z'), request).catch(
      (e: unknown) => e,
    );
    t.type(held, ErasureRefusedError);
    t.match((held as Error).message, /under a retention hold until 2033-01-01T00:00:00\.000Z/);
    t.equal(await keys.state(CUSTOMER_ID), 'active', 'the key is untouched');
    await place(1, HOLD_RELEASED_EVENT_TYPE, {});
    const outcome = await eraseCustomer(deps('2032-01-01T00:00:00.000Z'), request);
    t.equal(outcome.kind, 'erased', 'released: the period alone decides again');
  },
);

void t.test('an override erases early and the record keeps its legal basis', async (t) => {
  const { deps, keys } = await setUp(t);
  const outcome = await eraseCustomer(deps('2026-01-01T00:00:00.000Z'), {
    ...request,
    override: 'court order 2026/17',
  });
  t.equal(outcome.kind, 'erased');
  t.equal(outcome.record.override, 'court order 2026/17');
  t.equal(outcome.record.by, 'officer_7');
  t.equal(outcome.record.erasableFrom, '2030-06-10T12:00:00.000Z');
  t.same(outcome.record.relationshipEnd, { at: DELETED_AT, source: 'customer.deleted' });
  t.equal(await keys.state(CUSTOMER_ID), 'destroyed');
});

void t.test('the later of deletion and offboarding ends the relationship', async (t) => {
  const { store, deps } = await setUp(t);
  await offboard(store, '2026-02-01T00:00:00.000Z');
  const early = await eraseCustomer(deps('2030-12-01T00:00:00.000Z'), request).catch(
    (e: unknown) => e as ErasureRefusedError,
  );
  t.equal((early as ErasureRefusedError).erasableFrom, '2031-02-01T00:00:00.000Z');
  const outcome = await eraseCustomer(deps('2031-02-01T00:00:00.000Z'), request);
  t.same(outcome.record.relationshipEnd, { at: '2026-02-01T00:00:00.000Z', source: 'offboarded' });
  t.equal(outcome.record.override, null);
});

void t.test('the record lists every affected event and the markers follow it', async (t) => {
  const { store, deps } = await setUp(t);
  const outcome = await eraseCustomer(deps('2031-01-01T00:00:00.000Z'), request);
  const customer = await store.readStream(customerStream(CUSTOMER_ID));
  const alert = await store.readStream(alertStream('alert-1'));
  const record = customer.find((e) => e.type === ERASED_EVENT_TYPE)!;
  t.equal(record.id, erasureEventId(CUSTOMER_ID));
  const data = recordData<ErasedData>(record);
  t.same(
    data.events.map((e) => `${e.stream}@${e.revision}`).sort(),
    [
      `${alertStream('alert-1')}@0`,
      `${customerStream(CUSTOMER_ID)}@0`,
      `${customerStream(CUSTOMER_ID)}@1`,
      `${customerStream(CUSTOMER_ID)}@2`,
    ].sort(),
  );
  t.equal(data.count, 4);
  t.ok(data.events.every((e) => /^[0-9a-f]{64}$/.test(e.bodySha256)));
  t.equal(customer.filter((e) => e.type === KYC_PURGE_EVENT_TYPE).length, data.kyc.length);
  t.ok(data.kyc.length >= 2);
  t.equal(alert.filter((e) => e.type === ALERT_PURGE_EVENT_TYPE).length, 1);
  t.ok(record.position < customer.at(-1)!.position, 'markers come after the record');
  t.equal(outcome.position, record.position);

  const again = await eraseCustomer(deps('2031-01-02T00:00:00.000Z'), request);
  t.equal(again.kind, 'already-erased');
  t.equal(
    (await store.readStream(customerStream(CUSTOMER_ID))).length,
    customer.length,
    'idempotent',
  );
});

void t.test(
  'recovery undoes an erasure without a record and finishes one with a record',
  async (t) => {
    const { store, keys, deps } = await setUp(t);
    await appendWebhook(store, fixture('customer.created', { customerId: 'other' }), 'msg_9');
    // A crash after step 1: key erasing, no record.
    await keys.beginErasure('other');
    // A crash after step 2: the record is there, the markers and the destruction are not.
    const base = deps('2031-01-01T00:00:00.000Z');
    await eraseCustomer(
      {
        ...base,
        onStep: (step) => {
          if (step === 'recorded') throw new Error('crash');
        },
      },
      request,
    ).catch((error: unknown) => t.match(error, { message: 'crash' }));
    const customer = await store.readStream(customerStream(CUSTOMER_ID));
    const record = recordData<ErasedData>(customer.find((e) => e.type === ERASED_EVENT_TYPE)!);
    t.ok(record);
    t.notOk(
      customer.some((e) => e.type === KYC_PURGE_EVENT_TYPE),
      'no markers yet',
    );
    t.equal(await keys.state(CUSTOMER_ID), 'erasing');

    const result = await recoverErasures(base);
    t.same([...result.finished], [CUSTOMER_ID]);
    t.same([...result.aborted], ['other']);
    t.equal(await keys.state(CUSTOMER_ID), 'destroyed');
    t.equal(await keys.state('other'), 'active');
    const after = await store.readStream(customerStream(CUSTOMER_ID));
    t.equal(after.filter((e) => e.type === KYC_PURGE_EVENT_TYPE).length, record.kyc.length);
    t.same(await recoverErasures(base), { finished: [], aborted: [] }, 'nothing left to recover');
  },
);

void t.test(
  'events stored before encryption are refused: destroying the key would not erase them',
  async (t) => {
    const inner = createInMemoryEventStore();
    await appendWebhook(inner, fixture('customer.created'), 'msg_old');
    await appendWebhook(inner, fixture('customer.deleted'), 'msg_old_2');
    const { store, keys } = encryptedStore(t, inner);
    await appendWebhook(store, fixture('customer.updated'), 'msg_new');
    const error = await eraseCustomer(
      { store, keys, retentionDays: 0, alertIdsOf: () => [] },
      request,
    ).catch((e: unknown) => e as Error);
    t.type(error, ErasureRefusedError);
    t.match((error as Error).message, /2 events of customer .* are stored unencrypted/);
    t.equal(await keys.state(CUSTOMER_ID), 'active', 'the erasure was undone');
    const events = await store.readStream(customerStream(CUSTOMER_ID));
    t.notOk(events.some((e) => e.type === ERASED_EVENT_TYPE));
  },
);
