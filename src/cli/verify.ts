/**
 * `compilot-ledger verify`: checks the whole event log (signatures, revision contiguity,
 * causation links of details snapshots) and exits non-zero on any problem.
 */
import { createSignatureProver } from '../query/signatureProof.js';
import { verifyStore, type StoreVerificationSummary } from '../query/storeVerification.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import { count } from '../lib/plural.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger verify [--json]

Checks the whole event log, in commit order:
  - every webhook delivery's Svix signature, recomputed over the stored raw bytes and stored
    headers with each COMPILOT_WEBHOOK_SECRET (the 5-minute window does not apply to history):
    valid, invalid (stored body no longer matches its recorded sha256, or incomplete metadata)
    or no-matching-secret (intact, but signed with a secret not configured here)
  - every stream's revisions contiguous from 0
  - every details snapshot linked to the existing webhook event(s) that caused it
Prints each problem as found, then a summary. Safe to run while the service is running.

  --json   print the summary as one JSON line (problems still go to stdout as text lines first)

Exit codes: 0 all checks passed, 1 a problem was found, 2 usage error.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, true, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return usageError(deps, 'verify takes no arguments', USAGE);

  return withLedger(deps, async ({ config, store }) => {
    if (config.webhookSecrets.length === 0) {
      deps.stderr.write(
        'COMPILOT_WEBHOOK_SECRET is not set: no webhook signature can be verified\n',
      );
    }
    const summary = await verifyStore(store, {
      prove: createSignatureProver(config.webhookSecrets),
      onProblem: (problem) =>
        writeLine(
          deps.stdout,
          `FAIL ${problem.kind}: ${problem.streamName} revision ${problem.revision} ` +
            `(position ${problem.position}, event ${problem.eventId}): ${problem.message}`,
        ),
    });
    if (values.json) await writeLine(deps.stdout, JSON.stringify(summary));
    else for (const line of describe(summary)) await writeLine(deps.stdout, line);
    return summary.problems === 0 ? 0 : 1;
  });
}

function describe(summary: StoreVerificationSummary): string[] {
  const { signatures, snapshots } = summary;
  return [
    `checked ${count(summary.events, 'event')} in ${count(summary.streams, 'stream')}`,
    `signatures: ${signatures.valid} valid, ${signatures.invalid} invalid, ` +
      `${signatures['no-matching-secret']} no-matching-secret`,
    `revisions: ${summary.revisionProblems === 0 ? 'contiguous in every stream' : `${summary.revisionProblems} out of sequence`}`,
    `details snapshots: ${snapshots.linked} linked, ${snapshots.unlinked} unlinked`,
    summary.problems === 0
      ? 'verify: OK'
      : `verify: FAILED (${count(summary.problems, 'problem')})`,
  ];
}
