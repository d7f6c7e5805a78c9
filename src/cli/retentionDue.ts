/**
 * `compilot-ledger retention due [--json]`: the customers whose retention period has passed
 * and who are not erased yet, from the `retention` projection; `retention status <customerId>`
 * (retentionStatus.ts): where one customer stands.
 */
import { existsSync } from 'node:fs';
import { COMMAND_SETTINGS, loadConfig, loadRetentionConfig } from '../config.js';
import { openReadModel } from '../readmodel/readModelStore.js';
import { listDueCustomers } from '../readmodel/retentionQueries.js';
import { parseCommandArgs, usageError } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';
import { runRetentionStatus } from './retentionStatus.js';

export const USAGE = `usage: compilot-ledger retention due [--json]
       compilot-ledger retention status <customerId> [--json]

Lists the customers not yet erased whose relationship ended (customer.deleted by ComPilot's
time, or an offboarding record) at least RETENTION_DAYS (default 1826) ago: customer id, end of
relationship, its source, and since when the customer is erasable; then those among them a
retention hold keeps (compilot-ledger hold), with the hold's end. Reads the read model
(READ_MODEL_URL), so it is as current as the service's projections.

status: where one customer stands (active, active again after a deletion ComPilot reported
undone, retained, held, due or erased), with the end of relationship, the date it becomes
erasable, the hold and the erasure. Folded from the customer's stream (EVENT_STORE_URL), as
erase decides, so records just written count at once.

  --json    one JSON document instead of text

Exit codes: 0 ok (also when none is due), 1 no read model or no such customer, 2 usage error.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, true, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals[0] === 'status') {
    if (positionals.length !== 2) {
      return usageError(deps, 'retention status takes one customer id', USAGE);
    }
    return runRetentionStatus(deps, positionals[1]!, values.json === true);
  }
  if (positionals.length !== 1 || positionals[0] !== 'due') {
    return usageError(deps, 'the retention subcommands are "due" and "status <customerId>"', USAGE);
  }
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.retention });
  const { retentionDays } = loadRetentionConfig(deps.env);
  if (!existsSync(config.readModelPath)) {
    deps.stderr.write(`no read model at ${config.readModelPath} (start serve or run rebuild)\n`);
    return 1;
  }
  const db = openReadModel(config.readModelPath, { readonly: true });
  try {
    const now = new Date();
    const listed = listDueCustomers(db, now, retentionDays);
    if (listed === undefined) {
      deps.stderr.write(
        'the retention projection has not been built yet, or is being rebuilt for a new version (start serve, or run rebuild retention)\n',
      );
      return 1;
    }
    if (values.json) {
      await writeLine(
        deps.stdout,
        JSON.stringify({
          now: now.toISOString(),
          retentionDays,
          customers: listed.due,
          held: listed.held,
        }),
      );
      return 0;
    }
    const { due, held } = listed;
    await writeLine(
      deps.stdout,
      `${due.length} customer(s) due for erasure (RETENTION_DAYS=${retentionDays})`,
    );
    for (const customer of due) {
      await writeLine(
        deps.stdout,
        `${customer.customerId}  ended ${customer.relationshipEnd} (${customer.source})  due since ${customer.dueSince}`,
      );
    }
    if (held.length > 0) {
      await writeLine(
        deps.stdout,
        `${held.length} more past the period but kept by a retention hold (compilot-ledger hold):`,
      );
      for (const customer of held) {
        await writeLine(
          deps.stdout,
          `${customer.customerId}  ended ${customer.relationshipEnd} (${customer.source})  held ${customer.heldUntil === null ? 'until released' : `until ${customer.heldUntil}`}`,
        );
      }
    }
    return 0;
  } finally {
    db.close();
  }
}
