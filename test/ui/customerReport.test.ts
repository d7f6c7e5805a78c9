import t from 'tap';
import type { TimelineRow } from '../../src/audit/timeline.js';
import { markLate } from '../../src/ui/customerReport.js';

function row(at: string, receivedAt: string, svixId: string | null = `msg_${at}`): TimelineRow {
  return {
    at,
    receivedAt,
    eventType: 'customer.updated',
    eventId: `e-${at}`,
    position: '1',
    revision: 0,
    svixId,
    changes: [],
    reason: null,
    evidence: '',
    origin: 'webhook',
  };
}

void t.test('a delivery received after a delivery of a newer fact is late', async (t) => {
  const rows = markLate([
    row('2025-03-01', '2025-03-10'),
    row('2025-03-02', '2025-03-05'),
    row('2025-03-03', '2025-03-06'),
  ]);
  t.same(
    rows.map((r) => r.late),
    [true, false, false],
  );
});

void t.test('deliveries in order are not late, and snapshots never are', async (t) => {
  t.same(
    markLate([row('2025-03-01', '2025-03-01'), row('2025-03-02', '2025-03-02')]).map((r) => r.late),
    [false, false],
  );
  t.same(
    markLate([row('2025-03-01', '2025-03-10', null), row('2025-03-02', '2025-03-05')]).map(
      (r) => r.late,
    ),
    [false, false],
    'a snapshot fetched later is not a late delivery',
  );
});
