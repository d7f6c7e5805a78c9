/**
 * `compilot-ledger offboard <customerId> --withdraw --reason R`: an offboarded customer came
 * back, so the offboardings recorded so far stop ending the relationship (until a new one, or
 * ComPilot's deletion). Without it, the old record would make a live customer erasable once
 * its retention period ran out (docs/retention.md).
 */
import { foldFacts } from '../../projections/relationshipEnd.js';
import {
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  type OffboardingWithdrawnData,
} from '../events/retentionEvents.js';
import { offboardingWithdrawalEventId } from '../retention/erasureIds.js';
import { countOf, type CustomerRecords } from './customerRecords.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

/** What both ways of `offboard` work on. */
export interface OffboardContext {
  readonly deps: CliDeps;
  readonly customerId: string;
  readonly reason: string;
  readonly records: CustomerRecords;
}

export async function withdrawOffboarding(context: OffboardContext): Promise<number> {
  const { deps, customerId, reason, records } = context;
  const { offboardedAt } = foldFacts(customerId, records.events);
  if (offboardedAt === null) {
    deps.stderr.write(
      `no offboarding of customer ${customerId} is in effect: nothing to withdraw\n`,
    );
    return 1;
  }
  const data: OffboardingWithdrawnData = {
    customerId,
    withdrawnOffboardedAt: offboardedAt,
    reason,
    recordedAt: new Date().toISOString(),
  };
  const withdrawals = countOf(records.events, OFFBOARDING_WITHDRAWN_EVENT_TYPE);
  const result = await records.append(
    offboardingWithdrawalEventId(customerId, withdrawals),
    OFFBOARDING_WITHDRAWN_EVENT_TYPE,
    data,
  );
  await writeLine(
    deps.stdout,
    `${result.duplicate ? 'already withdrawn' : 'withdrawn'}: the offboarding of customer ${customerId} at ${offboardedAt} (position ${result.position})`,
  );
  return 0;
}
