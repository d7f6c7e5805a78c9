/**
 * `compilot-ledger retention status <customerId> [--json]`: where one customer stands in its
 * retention period, folded from its stream as `erase` decides (src/audit/customerRetention.ts),
 * so it answers for records just written, before any projection has caught up.
 */
import { loadRetentionConfig } from '../config.js';
import { readCustomerRetention, type CustomerRetention } from '../audit/customerRetention.js';
import { withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

const STAGES: Record<CustomerRetention['stage'], string> = {
  active: 'active: no end of relationship recorded, the retention period has not started',
  restored: 'active again: ComPilot reported it, not deleted, after its deletion',
  retained: 'retained: the retention period is running',
  held: 'held: a retention hold keeps its data',
  due: 'due: the retention period has passed (erase needs no override)',
  erased: 'erased',
};

export function runRetentionStatus(
  deps: CliDeps,
  customerId: string,
  json: boolean,
): Promise<number> {
  const { retentionDays } = loadRetentionConfig(deps.env);
  return withLedger(deps, async ({ store }) => {
    const standing = await readCustomerRetention(store, customerId, {
      now: new Date(),
      retentionDays,
    });
    if (standing === undefined) {
      deps.stderr.write(`no events are stored for customer ${customerId}\n`);
      return 1;
    }
    if (json) {
      await writeLine(deps.stdout, JSON.stringify(standing));
      return 0;
    }
    for (const line of describe(standing)) await writeLine(deps.stdout, line);
    return 0;
  });
}

function describe(s: CustomerRetention): string[] {
  const end = s.relationshipEnd;
  const hold =
    s.hold === null
      ? null
      : `${s.hold.until === null ? 'until released' : `until ${s.hold.until}`}${s.hold.inEffect ? '' : ' (expired)'}`;
  const rows: [string, string | null][] = [
    ['end of relationship', end && `${end.at} (${end.source})`],
    ['erasable from', s.erasableFrom && `${s.erasableFrom} (RETENTION_DAYS=${s.retentionDays})`],
    ['deleted by ComPilot', s.deletedAt],
    ['reported again', s.restoredAt],
    ['offboarded', s.offboardedAt],
    ['retention hold', hold],
    ['erased', s.erasedAt && `${s.erasedAt} (record ${s.erasureId})`],
  ];
  return [
    `customer ${s.customerId} at ${s.at}: ${STAGES[s.stage]}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(21)}${value ?? '-'}`),
  ];
}
