/**
 * `compilot-ledger offboard <customerId> --withdraw --reason R`: an offboarded customer came
 * back, so the offboardings recorded so far stop ending the relationship (until a new one, or
 * ComPilot's deletion). Without it, the old record would make a live customer erasable once
 * its retention period ran out (docs/retention.md).
 */
import { customerStream } from '../events/streams.js';
import { foldFacts } from '../../projections/relationshipEnd.js';
import {
  encodeRecord,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  type OffboardingWithdrawnData,
} from '../events/retentionEvents.js';
import { offboardingWithdrawalEventId } from '../retention/erasureIds.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

/** What both ways of `offboard` work on. */
export interface OffboardContext {
  readonly deps: CliDeps;
  readonly store: EventStore;
  readonly customerId: string;
  readonly reason: string;
  /** The customer's stream as it was read. */
  readonly events: readonly RecordedEvent[];
}

export async function withdrawOffboarding(context: OffboardContext): Promise<number> {
  const { deps, store, customerId, reason, events } = context;
  const { offboardedAt } = foldFacts(customerId, events);
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
  const withdrawals = events.filter((e) => e.type === OFFBOARDING_WITHDRAWN_EVENT_TYPE).length;
  const result = await store.appendToStream(customerStream(customerId), [
    {
      id: offboardingWithdrawalEventId(customerId, withdrawals),
      type: OFFBOARDING_WITHDRAWN_EVENT_TYPE,
      data: encodeRecord(data),
      metadata: { recordedAt: data.recordedAt },
    },
  ]);
  await writeLine(
    deps.stdout,
    `${result.duplicate ? 'already withdrawn' : 'withdrawn'}: the offboarding of customer ${customerId} at ${offboardedAt} (position ${result.position})`,
  );
  return 0;
}
