/**
 * The customer page's retention section: where the customer stands in its retention period, in
 * one sentence a compliance officer can act on, and the times behind it. It reads the same
 * standing `erase` decides with (projections/retentionStanding.ts), so the page never calls a
 * customer erasable that `erase` would refuse.
 */
import type { RelationshipEndSource } from '../../events/retentionEvents.js';
import type { CustomerRetention } from '../../audit/customerRetention.js';
import { Time } from './layout.js';

const STAGE_BADGES: Record<CustomerRetention['stage'], { label: string; tone: string }> = {
  active: { label: 'relationship active', tone: 'badge-neutral' },
  restored: { label: 'relationship active again', tone: 'badge-neutral' },
  retained: { label: 'retention period running', tone: 'badge-valid' },
  held: { label: 'retention hold', tone: 'badge-no-matching-secret' },
  due: { label: 'due for erasure', tone: 'badge-invalid' },
  erased: { label: 'erased', tone: 'badge-neutral' },
};

/** How a relationship's end was recorded, in the viewer's words. */
export function endSourceLabel(source: RelationshipEndSource): string {
  return source === 'offboarded' ? 'offboarding record' : 'deleted by ComPilot';
}

export function RetentionSection({ retention }: { retention: CustomerRetention }) {
  const badge = STAGE_BADGES[retention.stage];
  const end = retention.relationshipEnd;
  return (
    <section id="retention" aria-labelledby="retention-heading">
      <h2 id="retention-heading">Retention</h2>
      <p class="retention-summary">
        <span class={`badge ${badge.tone}`}>{badge.label}</span> <Explanation r={retention} />
      </p>
      <dl class="facts">
        <dt>End of relationship</dt>
        <dd>
          {end ? (
            <>
              <Time value={end.at} /> ({endSourceLabel(end.source)})
            </>
          ) : (
            <span class="none">none recorded</span>
          )}
        </dd>
        <dt>Erasable from</dt>
        <dd>
          {retention.erasableFrom ? (
            <>
              <Time value={retention.erasableFrom} /> ({retention.retentionDays} days after the end,
              RETENTION_DAYS)
            </>
          ) : (
            <span class="none">
              {retention.retentionDays} days after the end of the relationship, once one is recorded
            </span>
          )}
        </dd>
        <dt>Deleted by ComPilot</dt>
        <dd>
          <Time value={retention.deletedAt} />
        </dd>
        <dt>Reported again, not deleted</dt>
        <dd>
          <Time value={retention.restoredAt} />
        </dd>
        <dt>Offboarded</dt>
        <dd>
          <Time value={retention.offboardedAt} />
        </dd>
        <dt>Retention hold</dt>
        <dd>
          {retention.hold === null ? (
            <span class="none">none</span>
          ) : (
            <>
              {retention.hold.until === null ? (
                'until released'
              ) : (
                <>
                  until <Time value={retention.hold.until} />
                </>
              )}
              {retention.hold.inEffect ? '' : ' (expired)'}
            </>
          )}
        </dd>
        <dt>Erased</dt>
        <dd>
          <Time value={retention.erasedAt} />
        </dd>
      </dl>
      <p class="as-of">
        As of <Time value={retention.at} />, from this customer's stored events and records
        (compilot-ledger offboard, hold and erase write them); the same rule decides{' '}
        <code>compilot-ledger erase</code>.
      </p>
    </section>
  );
}

function Explanation({ r }: { r: CustomerRetention }) {
  switch (r.stage) {
    case 'active':
      return (
        <>
          No end of the business relationship is recorded (no deletion by ComPilot, no offboarding),
          so the retention period has not started.
        </>
      );
    case 'restored':
      return (
        <>
          ComPilot deleted this customer, then reported it again, not deleted: the relationship goes
          on, and the retention period has not started.
        </>
      );
    case 'retained':
      return (
        <>
          Its records must be kept until <Time value={r.erasableFrom} />; erasing them before needs
          a recorded legal basis.
        </>
      );
    case 'held':
      return (
        <>
          A retention hold keeps its records{' '}
          {r.hold?.until ? (
            <>
              until <Time value={r.hold.until} />
            </>
          ) : (
            'until it is released'
          )}
          , whatever the retention period says.
        </>
      );
    case 'due':
      return (
        <>
          The retention period ended on <Time value={r.erasableFrom} />: nothing requires its
          personal data any more, and <code>compilot-ledger erase</code> needs no override.
        </>
      );
    case 'erased':
      return (
        <>
          Its personal data was erased on <Time value={r.erasedAt} />; the erasure record stays in
          the ledger.
        </>
      );
  }
}
