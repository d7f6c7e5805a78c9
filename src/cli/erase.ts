/**
 * `compilot-ledger erase <customerId> --reason R [--override "<legal basis>"] [--by WHO]`:
 * crypto-shreds one customer (src/retention/erasure.ts). Refused before the retention period
 * ends unless --override names the legal basis, which the erasure record keeps. Erasures a
 * crash left half-done are finished or undone first.
 */
import { userInfo } from 'node:os';
import { loadRetentionConfig } from '../config.js';
import { alertIdsByCustomer } from '../retention/customerAlerts.js';
import {
  eraseCustomer,
  ErasureRefusedError,
  recoverErasures,
  type ErasureStep,
} from '../retention/erasure.js';
import { subjectKeysOf } from '../retention/storeKeys.js';
import { parseCustomerCommand, usageError, withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger erase <customerId> --reason R [--override "<legal basis>"] [--by WHO] [--json]

Erases the customer's personal data by destroying its data key (crypto-shredding): its events
stay in the log, chained and hashed, but their data can no longer be read. First an erasure
record is appended to the customer's stream (who, when, why, the legal basis, and every
affected event by stream, revision, position and body hash); the read model then keeps only
ids and dates. Refused before RETENTION_DAYS after the end of the relationship (see offboard
and retention due) unless --override gives the legal basis for erasing earlier.

  --reason R        why (kept in the record: no personal data)
  --override BASIS  erase before the retention period ended; BASIS is recorded
  --by WHO          who asks for it (default: the operating-system user)
  --json            print the outcome as one JSON line

Exit codes: 0 erased (or already erased), 1 refused or failed, 2 usage error.`;

const OPTIONS = {
  reason: { type: 'string' },
  override: { type: 'string' },
  by: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCustomerCommand(deps, args, OPTIONS, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, customerId } = parsed;
  const reason = values.reason?.trim();
  if (!reason) return usageError(deps, '--reason must say why the customer is erased', USAGE);
  if (values.override !== undefined && values.override.trim() === '') {
    return usageError(deps, '--override must name the legal basis', USAGE);
  }
  const by = values.by?.trim() || userInfo().username;
  const { retentionDays } = loadRetentionConfig(deps.env);

  return withLedger(
    deps,
    async ({ store }) => {
      const keys = subjectKeysOf(store);
      if (keys === undefined) {
        deps.stderr.write(
          'erase needs encryption at rest (LEDGER_ENCRYPTION_KEY): without data keys nothing can be erased\n',
        );
        return 1;
      }
      // Progress goes to stderr as it happens (a crash leaves the last step there).
      const onStep = (step: ErasureStep) => deps.stderr.write(`erase: step ${step}\n`);
      const recovered = await recoverErasures({
        store,
        keys,
        alertIdsOf: () => [],
        retentionDays,
        onStep,
      });
      if (recovered.finished.length + recovered.aborted.length > 0) {
        deps.stderr.write(
          `erase: finished ${recovered.finished.length} and undid ${recovered.aborted.length} erasure(s) interrupted earlier\n`,
        );
      }
      try {
        const alerts = await alertIdsByCustomer(store, new Set([customerId]));
        const outcome = await eraseCustomer(
          {
            store,
            keys,
            retentionDays,
            alertIdsOf: (id) => alerts.get(id) ?? [],
            onStep,
          },
          {
            customerId,
            reason,
            by,
            ...(values.override === undefined ? {} : { override: values.override.trim() }),
          },
        );
        const { record } = outcome;
        if (values.json) {
          await writeLine(
            deps.stdout,
            JSON.stringify({
              outcome: outcome.kind,
              position: outcome.position,
              customerId,
              erasedAt: record.erasedAt,
              events: record.count,
              override: record.override,
            }),
          );
        } else {
          await writeLine(
            deps.stdout,
            outcome.kind === 'already-erased'
              ? `customer ${customerId} was already erased at ${record.erasedAt} (record at position ${outcome.position})`
              : `erased customer ${customerId}: the data of ${record.count} events is unreadable; erasure record at position ${outcome.position}`,
          );
        }
        return 0;
      } catch (error) {
        if (error instanceof ErasureRefusedError) {
          deps.stderr.write(`erase refused: ${error.message}\n`);
          return 1;
        }
        throw error;
      }
    },
    { readOnly: false },
  );
}
