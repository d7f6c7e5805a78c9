/**
 * Where a customer stands in its retention period: one stage for every combination of end of
 * relationship, restoration, hold and erasure, as erase, the query API, the viewer and
 * `retention status` all read it.
 */
import t from 'tap';
import { emptyFacts, type RetentionFacts } from '../../projections/relationshipEnd.js';
import { retentionStanding } from '../../projections/retentionStanding.js';

const ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';
const DAYS = 1826;
const DELETED = '2024-01-10T12:00:00.000Z';
/** DELETED + 1826 days. */
const ERASABLE = '2029-01-09T12:00:00.000Z';

const facts = (changes: Partial<RetentionFacts> = {}): RetentionFacts => ({
  ...emptyFacts(ID),
  ...changes,
});
const stageAt = (f: RetentionFacts, now: string) => retentionStanding(f, now, DAYS).stage;

void t.test('a customer with no end of relationship is active, whatever the time', async (t) => {
  const standing = retentionStanding(facts(), '2099-01-01T00:00:00.000Z', DAYS);
  t.same(standing, {
    stage: 'active',
    relationshipEnd: null,
    erasableFrom: null,
    deletedAt: null,
    restoredAt: null,
    offboardedAt: null,
    hold: null,
    erasedAt: null,
    erasureId: null,
  });
});

void t.test('a deleted customer is retained until the period has passed, then due', async (t) => {
  const deleted = facts({ deletedAt: DELETED, restoredAt: '2023-05-01T00:00:00.000Z' });
  const standing = retentionStanding(deleted, '2028-01-01T00:00:00.000Z', DAYS);
  t.equal(standing.stage, 'retained');
  t.same(standing.relationshipEnd, { at: DELETED, source: 'customer.deleted' });
  t.equal(standing.erasableFrom, ERASABLE);
  t.equal(standing.restoredAt, null, 'a record from before the deletion restores nothing');
  t.equal(stageAt(deleted, '2029-01-09T11:59:59.999Z'), 'retained', 'a moment before');
  t.equal(stageAt(deleted, ERASABLE), 'due', 'from the first moment of erasableFrom');
});

void t.test('the period runs from the later of deletion and offboarding', async (t) => {
  const both = facts({ deletedAt: DELETED, offboardedAt: '2025-01-10T12:00:00.000Z' });
  const standing = retentionStanding(both, '2029-06-01T00:00:00.000Z', DAYS);
  t.equal(standing.stage, 'retained');
  t.same(standing.relationshipEnd, { at: '2025-01-10T12:00:00.000Z', source: 'offboarded' });
});

void t.test('a customer ComPilot reported again after its deletion is restored', async (t) => {
  const restored = facts({ deletedAt: DELETED, restoredAt: '2024-02-01T00:00:00.000Z' });
  const standing = retentionStanding(restored, '2099-01-01T00:00:00.000Z', DAYS);
  t.equal(standing.stage, 'restored');
  t.equal(standing.relationshipEnd, null, 'the deletion no longer ends anything');
  t.equal(standing.restoredAt, '2024-02-01T00:00:00.000Z');
});

void t.test('a hold in effect keeps a due customer, and shows once it has expired', async (t) => {
  const held = facts({ deletedAt: DELETED, held: true, heldUntil: '2031-01-01T00:00:00.000Z' });
  const during = retentionStanding(held, '2030-01-01T00:00:00.000Z', DAYS);
  t.equal(during.stage, 'held');
  t.same(during.hold, { until: '2031-01-01T00:00:00.000Z', inEffect: true });
  t.equal(during.erasableFrom, ERASABLE, 'the period is still reported');
  const after = retentionStanding(held, '2031-01-01T00:00:00.000Z', DAYS);
  t.equal(after.stage, 'due');
  t.same(after.hold, { until: '2031-01-01T00:00:00.000Z', inEffect: false });
  const open = facts({ held: true, heldUntil: null });
  t.equal(stageAt(open, '2099-01-01T00:00:00.000Z'), 'held', 'until released: even when active');
});

void t.test('an erased customer is erased, whatever else the facts say', async (t) => {
  const erased = facts({
    deletedAt: DELETED,
    held: true,
    heldUntil: null,
    erasedAt: '2030-02-01T00:00:00.000Z',
    erasureId: 'c0ffee00-0000-5000-8000-000000000001',
  });
  const standing = retentionStanding(erased, '2030-03-01T00:00:00.000Z', DAYS);
  t.equal(standing.stage, 'erased');
  t.equal(standing.erasureId, 'c0ffee00-0000-5000-8000-000000000001');
});
