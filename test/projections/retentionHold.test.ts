/**
 * Retention holds as the fold sees them: placed until a time or until released, extended by
 * later holds, ended by a release.
 */
import t from 'tap';
import {
  evolveHold,
  holdsAt,
  NO_HOLD,
  type RetentionHold,
} from '../../projections/retentionHold.js';
import {
  encodeRecord,
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
} from '../../src/events/retentionEvents.js';
import { customerStream } from '../../src/events/streams.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { CUSTOMER_ID, recorded } from '../helpers/projectionEvents.js';

let n = 0;
function record(type: string, data: object): RecordedEvent {
  n += 1;
  return recorded(
    {
      id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
      type,
      data: encodeRecord({
        customerId: CUSTOMER_ID,
        reason: 'FIU request 2026/4',
        recordedAt: '2026-01-01T00:00:00.000Z',
        ...data,
      }),
      metadata: {},
    },
    customerStream(CUSTOMER_ID),
  );
}
const hold = (until: string | null) => record(HOLD_PLACED_EVENT_TYPE, { until });
const release = () => record(HOLD_RELEASED_EVENT_TYPE, {});

function fold(events: readonly RecordedEvent[]): RetentionHold {
  return events.reduce(evolveHold, NO_HOLD);
}

void t.test('a hold until a time keeps the data until then, not after', async (t) => {
  const h = fold([hold('2031-01-01T00:00:00.000Z')]);
  t.same(h, { held: true, heldUntil: '2031-01-01T00:00:00.000Z' });
  t.ok(holdsAt(h, '2030-12-31T23:59:59.999Z'));
  t.notOk(holdsAt(h, '2031-01-01T00:00:00.000Z'), 'it ends at its time');
});

void t.test('a hold without a time keeps the data until released', async (t) => {
  const h = fold([hold(null)]);
  t.ok(holdsAt(h, '2099-01-01T00:00:00.000Z'));
  t.same(fold([hold(null), release()]), NO_HOLD, 'released');
  t.notOk(holdsAt(NO_HOLD, '2026-01-01T00:00:00.000Z'));
});

void t.test('holds placed while one is in effect extend it, never shorten it', async (t) => {
  t.same(
    fold([hold('2031-01-01T00:00:00.000Z'), hold('2029-01-01T00:00:00.000Z')]).heldUntil,
    '2031-01-01T00:00:00.000Z',
  );
  t.same(
    fold([hold('2029-01-01T00:00:00.000Z'), hold('2031-01-01T00:00:00.000Z')]).heldUntil,
    '2031-01-01T00:00:00.000Z',
  );
  t.equal(fold([hold('2031-01-01T00:00:00.000Z'), hold(null)]).heldUntil, null, 'no end wins');
  t.equal(fold([hold(null), hold('2031-01-01T00:00:00.000Z')]).heldUntil, null);
  t.same(
    fold([hold(null), release(), hold('2027-01-01T00:00:00.000Z')]),
    { held: true, heldUntil: '2027-01-01T00:00:00.000Z' },
    'a hold after a release starts afresh',
  );
});
