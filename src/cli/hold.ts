/**
 * `compilot-ledger hold <customerId> --reason R [--until T]`: keep a customer's data past its
 * retention period (an authority asked, an investigation is open); `--release --reason R` ends
 * every hold in effect. Erasure without an override, `retention due` and RETENTION_ENFORCE
 * respect holds (projections/retentionHold.ts).
 */
import {
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
  type RetentionHoldData,
  type RetentionHoldReleasedData,
} from '../events/retentionEvents.js';
import { pointInTime, POINT_IN_TIME_DESCRIPTION } from '../query/params.js';
import { foldFacts } from '../../projections/relationshipEnd.js';
import { retentionHoldEventId } from '../retention/erasureIds.js';
import { parseCustomerCommand, usageError } from './auditSupport.js';
import { countOf, withCustomerRecords } from './customerRecords.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger hold <customerId> --reason R [--until T]
       compilot-ledger hold <customerId> --release --reason R

Places a retention hold on the customer (appends a ledger.customer-retention-hold record to its
stream): its data is kept past the retention period, until T or, without --until, until the
hold is released. erase refuses while it holds (unless --override), and retention due and
RETENTION_ENFORCE pass the customer over. Holds placed while one is in effect extend it.
--release ends every hold in effect (appends ledger.customer-retention-hold-released).

  --reason R    why, on whose authority (kept in the log: no personal data)
  --until T     when the hold ends: ${POINT_IN_TIME_DESCRIPTION}
  --release     release the holds in effect instead

Exit codes: 0 recorded, 1 unknown customer or no hold to release, 2 usage error.`;

const OPTIONS = {
  reason: { type: 'string' },
  until: { type: 'string' },
  release: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCustomerCommand(deps, args, OPTIONS, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, customerId } = parsed;
  if (values.release && values.until !== undefined) {
    return usageError(deps, '--until goes with a hold, not with --release', USAGE);
  }
  const until = values.until === undefined ? null : pointInTime(values.until);
  if (until === undefined)
    return usageError(deps, `--until must be ${POINT_IN_TIME_DESCRIPTION}`, USAGE);
  // A hold that has already ended keeps nothing: almost surely a mistyped year.
  if (until !== null && until.getTime() <= Date.now()) {
    return usageError(
      deps,
      `--until ${until.toISOString()} is in the past: the hold would keep nothing`,
      USAGE,
    );
  }
  const reason = values.reason?.trim();
  if (!reason) {
    const what = values.release ? 'the hold is released' : 'the data must be kept';
    return usageError(deps, `--reason must say why ${what}`, USAGE);
  }

  return withCustomerRecords(deps, customerId, async (records) => {
    const facts = foldFacts(customerId, records.events);
    if (values.release && !facts.held) {
      deps.stderr.write(
        `no retention hold of customer ${customerId} is in effect: nothing to release\n`,
      );
      return 1;
    }
    const recordedAt = new Date().toISOString();
    const record = values.release
      ? ({ customerId, reason, recordedAt } satisfies RetentionHoldReleasedData)
      : ({
          customerId,
          reason,
          until: until?.toISOString() ?? null,
          recordedAt,
        } satisfies RetentionHoldData);
    const result = await records.append(
      retentionHoldEventId(
        customerId,
        countOf(records.events, HOLD_PLACED_EVENT_TYPE, HOLD_RELEASED_EVENT_TYPE),
      ),
      values.release ? HOLD_RELEASED_EVENT_TYPE : HOLD_PLACED_EVENT_TYPE,
      record,
    );
    const after = foldFacts(customerId, await records.reread());
    const state = !after.held
      ? 'no retention hold is in effect'
      : `held ${after.heldUntil === null ? 'until released' : `until ${after.heldUntil}`}`;
    await writeLine(
      deps.stdout,
      `${values.release ? 'released' : 'recorded'}: customer ${customerId} (position ${result.position}); ${state}`,
    );
    return 0;
  });
}
