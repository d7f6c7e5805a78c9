/**
 * `compilot-ledger offboard <customerId> --at T --reason R`: records the end of the business
 * relationship when ComPilot's `customer.deleted` does not say it (or says it too early). The
 * retention period runs from the later of the two (projections/relationshipEnd.ts).
 * `--withdraw --reason R` withdraws the offboardings recorded so far, when the customer came
 * back (offboardingWithdrawal.ts).
 */
import { loadRetentionConfig } from '../config.js';
import { pointInTime, POINT_IN_TIME_DESCRIPTION } from '../query/params.js';
import {
  erasableFrom,
  foldFacts,
  relationshipEnd,
  type RetentionFacts,
} from '../../projections/relationshipEnd.js';
import {
  OFFBOARDED_EVENT_TYPE,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  type OffboardedData,
} from '../events/retentionEvents.js';
import { offboardEventId } from '../retention/erasureIds.js';
import { parseCustomerCommand, usageError } from './auditSupport.js';
import { countOf, withCustomerRecords } from './customerRecords.js';
import type { CliDeps } from './deps.js';
import { withdrawOffboarding, type OffboardContext } from './offboardingWithdrawal.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger offboard <customerId> --at T --reason R
       compilot-ledger offboard <customerId> --withdraw --reason R

Records that the business relationship with the customer ended at T (appends a
ledger.customer-offboarded record to its stream). The customer becomes erasable RETENTION_DAYS
after the later of this and ComPilot's customer.deleted time. Giving the same T and R again
records nothing new.

With --withdraw, records that the offboardings recorded so far no longer hold (appends a
ledger.customer-offboarding-withdrawn record): the customer came back, so its records are those
of a live relationship again until a new offboarding or ComPilot's deletion ends it.

  --at T        when the relationship ended: ${POINT_IN_TIME_DESCRIPTION}
  --withdraw    withdraw the offboarding in effect instead
  --reason R    why (kept in the log: no personal data)

Exit codes: 0 recorded, 1 unknown customer or no offboarding to withdraw, 2 usage error.`;

const OPTIONS = {
  at: { type: 'string' },
  withdraw: { type: 'boolean' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCustomerCommand(deps, args, OPTIONS, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, customerId } = parsed;
  if (values.withdraw && values.at !== undefined) {
    return usageError(deps, 'give either --at T or --withdraw, not both', USAGE);
  }
  const at = values.at === undefined ? undefined : pointInTime(values.at);
  if (at === undefined && !values.withdraw) {
    return usageError(deps, `--at must be ${POINT_IN_TIME_DESCRIPTION}`, USAGE);
  }
  // The record states that the relationship has ended; a planned end is recorded when it comes.
  // Today's date (which means the end of today) is accepted.
  if (at !== undefined && at.getTime() > endOfTodayUtc()) {
    return usageError(
      deps,
      `--at ${at.toISOString()} is in the future: record the offboarding once the relationship has ended`,
      USAGE,
    );
  }
  const reason = values.reason?.trim();
  if (!reason) {
    const what = values.withdraw ? 'the offboarding is withdrawn' : 'the relationship ended';
    return usageError(deps, `--reason must say why ${what}`, USAGE);
  }
  const { retentionDays } = loadRetentionConfig(deps.env);

  return withCustomerRecords(deps, customerId, async (records) => {
    const context = { deps, customerId, reason, records };
    const recorded =
      at === undefined
        ? await withdrawOffboarding(context)
        : await recordOffboarding(context, at.toISOString());
    if (recorded !== 0) return recorded;
    await describeEnd(deps, foldFacts(customerId, await records.reread()), retentionDays);
    return 0;
  });
}

async function recordOffboarding(context: OffboardContext, offboardedAt: string): Promise<number> {
  const { deps, customerId, reason, records } = context;
  const data: OffboardedData = {
    customerId,
    offboardedAt,
    reason,
    recordedAt: new Date().toISOString(),
  };
  const withdrawals = countOf(records.events, OFFBOARDING_WITHDRAWN_EVENT_TYPE);
  const result = await records.append(
    offboardEventId(customerId, offboardedAt, reason, withdrawals),
    OFFBOARDED_EVENT_TYPE,
    data,
  );
  await writeLine(
    deps.stdout,
    `${result.duplicate ? 'already recorded' : 'recorded'}: customer ${customerId} offboarded at ${offboardedAt} (position ${result.position})`,
  );
  return 0;
}

async function describeEnd(
  deps: CliDeps,
  facts: RetentionFacts,
  retentionDays: number,
): Promise<void> {
  const end = relationshipEnd(facts);
  await writeLine(
    deps.stdout,
    end === null
      ? 'end of relationship: none recorded (the customer is not erasable)'
      : `end of relationship: ${end.at} (${end.source}); erasable from ${erasableFrom(end.at, retentionDays)} (RETENTION_DAYS=${retentionDays})`,
  );
}

/** The last millisecond of the current UTC day. */
function endOfTodayUtc(): number {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - 1;
}
