/**
 * `compilot-ledger offboard <customerId> --at T --reason R`: records the end of the business
 * relationship when ComPilot's `customer.deleted` does not say it (or says it too early). The
 * retention period runs from the later of the two (src/retention/relationshipEnd.ts).
 */
import { loadRetentionConfig } from '../config.js';
import { customerStream } from '../events/streams.js';
import { pointInTime, POINT_IN_TIME_DESCRIPTION } from '../query/params.js';
import { erasableFrom, foldFacts, relationshipEnd } from '../../projections/relationshipEnd.js';
import { readWholeStream } from '../retention/erasurePlan.js';
import {
  encodeRecord,
  OFFBOARDED_EVENT_TYPE,
  type OffboardedData,
} from '../events/retentionEvents.js';
import { offboardEventId } from '../retention/erasureIds.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger offboard <customerId> --at T --reason R

Records that the business relationship with the customer ended at T (appends a
ledger.customer-offboarded record to its stream). The customer becomes erasable RETENTION_DAYS
after the later of this and ComPilot's customer.deleted time. Giving the same T and R again
records nothing new.

  --at T        when the relationship ended: ${POINT_IN_TIME_DESCRIPTION}
  --reason R    why (kept in the log: no personal data)

Exit codes: 0 recorded, 1 unknown customer, 2 usage error.`;

const OPTIONS = {
  at: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, true, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError(deps, 'give exactly one customer id', USAGE);
  const customerId = positionals[0]!;
  const at = values.at === undefined ? undefined : pointInTime(values.at);
  if (at === undefined) {
    return usageError(deps, `--at must be ${POINT_IN_TIME_DESCRIPTION}`, USAGE);
  }
  const reason = values.reason?.trim();
  if (!reason) return usageError(deps, '--reason must say why the relationship ended', USAGE);
  const { retentionDays } = loadRetentionConfig(deps.env);

  return withLedger(
    deps,
    async ({ store }) => {
      const stream = customerStream(customerId);
      const events = await readWholeStream(store, stream);
      if (events.length === 0) {
        deps.stderr.write(
          `no events are stored for customer ${customerId} (no stream ${stream})\n`,
        );
        return 1;
      }
      const offboardedAt = at.toISOString();
      const data: OffboardedData = {
        customerId,
        offboardedAt,
        reason,
        recordedAt: new Date().toISOString(),
      };
      const result = await store.appendToStream(stream, [
        {
          id: offboardEventId(customerId, offboardedAt, reason),
          type: OFFBOARDED_EVENT_TYPE,
          data: encodeRecord(data),
          metadata: { recordedAt: data.recordedAt },
        },
      ]);
      const end = relationshipEnd(foldFacts(customerId, await readWholeStream(store, stream)));
      await writeLine(
        deps.stdout,
        `${result.duplicate ? 'already recorded' : 'recorded'}: customer ${customerId} offboarded at ${offboardedAt} (position ${result.position})`,
      );
      if (end !== null) {
        await writeLine(
          deps.stdout,
          `end of relationship: ${end.at} (${end.source}); erasable from ${erasableFrom(end.at, retentionDays)} (RETENTION_DAYS=${retentionDays})`,
        );
      }
      return 0;
    },
    { readOnly: false },
  );
}
