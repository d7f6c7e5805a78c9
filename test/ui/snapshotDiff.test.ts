import t from 'tap';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { snapshotChanges } from '../../src/ui/snapshotDiff.js';

function event(revision: number, type: string, body: string): RecordedEvent {
  return {
    streamName: 'customer-c1',
    revision: BigInt(revision),
    position: String(revision).padStart(20, '0'),
    id: `e${revision}`,
    type,
    data: Buffer.from(body),
    metadata: { fetchedAt: `2025-03-0${revision + 1}T00:00:00.000Z` },
    recordedAt: new Date('2025-03-10T00:00:00Z'),
  };
}

void t.test('each snapshot lists what changed since the previous one', async (t) => {
  const snapshots = snapshotChanges([
    event(0, DETAILS_EVENT_TYPE, JSON.stringify({ status: 'Active', emails: ['a@x'], gone: 1 })),
    event(1, 'customer.updated', '{"eventType":"customer.updated"}'),
    event(2, DETAILS_EVENT_TYPE, JSON.stringify({ status: 'Rejected', emails: ['a@x', 'b@x'] })),
  ]);
  t.equal(snapshots.length, 2, 'only details snapshots');
  t.equal(snapshots[0]!.changes, null, 'the first has nothing to compare with');
  t.equal(snapshots[0]!.fetchedAt, '2025-03-01T00:00:00.000Z');
  t.same(snapshots[1]!.changes, [
    { path: 'emails.1', before: null, after: '"b@x"' },
    { path: 'gone', before: '1', after: null },
    { path: 'status', before: '"Active"', after: '"Rejected"' },
  ]);
});

void t.test('a snapshot that is not JSON is listed without changes', async (t) => {
  const snapshots = snapshotChanges([
    event(0, DETAILS_EVENT_TYPE, '{"a":1}'),
    event(1, DETAILS_EVENT_TYPE, 'not json'),
    event(2, DETAILS_EVENT_TYPE, '{"a":1}'),
  ]);
  t.equal(snapshots[1]!.changes, null);
  t.same(snapshots[2]!.changes, [], 'compared with the last readable one: unchanged');
});
