/**
 * When a relationship ends: the later of ComPilot's deletion and an offboarding record, unless
 * ComPilot reported the customer restored after the deletion. The retention period, and so
 * `retention due`, automatic erasure and `erase`'s refusal, all start from this fold.
 */
import t from 'tap';
import { applyEvent } from '../../projections/projection.js';
import {
  foldFacts,
  relationshipEnd,
  restoredAfterDeletion,
} from '../../projections/relationshipEnd.js';
import { retentionProjection } from '../../projections/retention.js';
import { customerStream } from '../../src/events/streams.js';
import {
  encodeRecord,
  OFFBOARDED_EVENT_TYPE,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
} from '../../src/events/retentionEvents.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { CUSTOMER_ID, fixture, recorded, recordedWebhook } from '../helpers/projectionEvents.js';

const DELETED_AT = '2025-06-10T12:00:00.000Z';

const deleted = (at = DELETED_AT) =>
  recordedWebhook(fixture('customer.deleted', { deletedAt: at, updatedAt: at }), `del-${at}`);
/** A customer.updated at `at` whose record shows no deletion (or the one given). */
const updated = (at: string, deletedAt: string | null = null) =>
  recordedWebhook(
    fixture('customer.updated', { updatedAt: at, deletedAt, status: 'Active' }),
    `upd-${at}-${deletedAt}`,
  );
const offboarded = (at: string) =>
  recorded(
    {
      id: '6f0c3a56-1d5e-5a1b-9c4e-2b7d8e9f0a1b',
      type: OFFBOARDED_EVENT_TYPE,
      data: encodeRecord({
        customerId: CUSTOMER_ID,
        offboardedAt: at,
        reason: 'closed',
        recordedAt: at,
      }),
      metadata: {},
    },
    customerStream(CUSTOMER_ID),
  );

const withdrawal = () =>
  recorded(
    {
      id: '7a1d4b67-2e6f-5b2c-8d5f-3c8e9fa01b2c',
      type: OFFBOARDING_WITHDRAWN_EVENT_TYPE,
      data: encodeRecord({
        customerId: CUSTOMER_ID,
        withdrawnOffboardedAt: '2025-05-01T00:00:00.000Z',
        reason: 'came back',
        recordedAt: '2025-10-01T00:00:00.000Z',
      }),
      metadata: {},
    },
    customerStream(CUSTOMER_ID),
  );

function endOf(events: readonly RecordedEvent[]) {
  const facts = foldFacts(CUSTOMER_ID, events);
  return { end: relationshipEnd(facts), restored: restoredAfterDeletion(facts), facts };
}

/** Both delivery orders give the same answer: the fold keeps only the newest times. */
function inBothOrders(events: readonly RecordedEvent[]) {
  const forwards = endOf(events);
  const backwards = endOf([...events].reverse());
  return { ...forwards, backwards: backwards.end };
}

void t.test('a deletion ends the relationship at ComPilot time of the deletion', async (t) => {
  const { end, backwards } = inBothOrders([updated('2025-03-03T09:21:40.512Z'), deleted()]);
  t.same(end, { at: DELETED_AT, source: 'customer.deleted' });
  t.same(backwards, end, 'an update from before it, delivered late, changes nothing');
});

void t.test(
  'ComPilot reporting the customer again, not deleted, after the deletion means it was restored: no end',
  async (t) => {
    const { end, restored, backwards, facts } = inBothOrders([
      deleted(),
      updated('2025-09-01T08:00:00.000Z'),
    ]);
    t.equal(end, null, 'the relationship has not ended');
    t.equal(backwards, null, 'whatever order the deliveries came in');
    t.ok(restored);
    t.equal(facts.restoredAt, '2025-09-01T08:00:00.000Z');
  },
);

void t.test('an update that still shows the deletion restores nothing', async (t) => {
  const { end, restored } = inBothOrders([
    deleted(),
    updated('2025-09-01T08:00:00.000Z', DELETED_AT),
  ]);
  t.same(end, { at: DELETED_AT, source: 'customer.deleted' });
  t.notOk(restored);
});

void t.test('a deletion after the restoration ends the relationship again', async (t) => {
  const { end, backwards } = inBothOrders([
    deleted(),
    updated('2025-09-01T08:00:00.000Z'),
    deleted('2026-01-15T10:00:00.000Z'),
  ]);
  t.same(end, { at: '2026-01-15T10:00:00.000Z', source: 'customer.deleted' });
  t.same(backwards, end);
});

void t.test(
  'an offboarding record stands whatever ComPilot sends later (it may keep monitoring)',
  async (t) => {
    const { end } = inBothOrders([
      offboarded('2025-05-01T00:00:00.000Z'),
      updated('2025-09-01T08:00:00.000Z'),
    ]);
    t.same(end, { at: '2025-05-01T00:00:00.000Z', source: 'offboarded' });
    const both = endOf([
      deleted(),
      offboarded('2025-05-01T00:00:00.000Z'),
      updated('2025-09-01T08:00:00.000Z'),
    ]);
    t.same(
      both.end,
      { at: '2025-05-01T00:00:00.000Z', source: 'offboarded' },
      'a restored deletion leaves the offboarding as the end',
    );
  },
);

void t.test('the retention projection stores no end for a restored customer', async (t) => {
  let state: unknown;
  for (const event of [deleted(), updated('2025-09-01T08:00:00.000Z')]) {
    state = applyEvent(retentionProjection, state as never, event).state;
  }
  const rows = retentionProjection.rows(CUSTOMER_ID, state as never).retention;
  t.match(rows, [
    {
      customer_id: CUSTOMER_ID,
      relationship_end: null,
      end_source: null,
      deleted_at: DELETED_AT,
      restored_at: '2025-09-01T08:00:00.000Z',
    },
  ]);
});

void t.test('an unreadable customer record restores nothing and stops nothing', async (t) => {
  const garbled = { ...updated('2025-09-01T08:00:00.000Z'), data: Buffer.from('not json') };
  const { end, restored } = endOf([deleted(), garbled]);
  t.same(end, { at: DELETED_AT, source: 'customer.deleted' });
  t.notOk(restored);
});

void t.test(
  'a withdrawal sets aside the offboardings recorded before it; a later one counts again',
  async (t) => {
    t.equal(
      endOf([offboarded('2025-05-01T00:00:00.000Z'), withdrawal()]).end,
      null,
      'no end once the only offboarding is withdrawn',
    );
    t.same(
      endOf([deleted(), offboarded('2025-08-01T00:00:00.000Z'), withdrawal()]).end,
      { at: DELETED_AT, source: 'customer.deleted' },
      "ComPilot's deletion still ends it",
    );
    t.same(
      endOf([
        offboarded('2025-05-01T00:00:00.000Z'),
        withdrawal(),
        offboarded('2026-02-01T00:00:00.000Z'),
      ]).end,
      { at: '2026-02-01T00:00:00.000Z', source: 'offboarded' },
    );
  },
);
