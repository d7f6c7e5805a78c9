/**
 * `compilot-ledger verify`: proves the integrity (and, with a checkpoint exported off the
 * machine, the completeness) of the event log; see storeVerification.ts for the checks and
 * docs/ledger.md for what they detect. Exits 1 on any failure, on a missing store and on an
 * empty one unless --allow-empty.
 */
import { COMMAND_SETTINGS, loadConfig, loadLedgerConfig } from '../config.js';
import { createSignatureProver } from '../audit/signatureProof.js';
import {
  verifyStore,
  type StoreProblem,
  type StoreVerificationSummary,
} from '../audit/storeVerification.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import { count } from '../lib/plural.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';
import { loadCheckpointEvidence } from './verifyEvidence.js';
import { writeVerifyReport } from './verifyReport.js';

export const USAGE = `usage: compilot-ledger verify [--checkpoint FILE [--at POSITION]] [--public-key FILE]
                              [--allow-empty] [--skip-signatures] [--no-report] [--json]

Checks the whole event log, in commit order, and prints every failure with its stream,
revision and position:
  - every stream unbroken from revision 0 to its head, every link recomputed
  - every webhook delivery: Svix signature over the stored bytes (live and retired secrets),
    event id = UUIDv5(svix id), type and stream as the signed body says, each svix id once
  - every details/not-found snapshot: its causing event exists earlier in the same stream
  - SQLite: global positions gap-free, the streams table consistent with the events
With --checkpoint (an NDJSON file of checkpoints, e.g. CHECKPOINT_SINK): the last line (or the
one at --at POSITION), its signature and those before it, its chain in the store, and the
Merkle root recomputed as of its position.

  --checkpoint FILE   verify against a signed checkpoint from FILE
  --at POSITION       use the checkpoint of FILE at this position instead of the last one
  --public-key FILE   the signer's public key (PEM); default: derived from LEDGER_SIGNING_KEY
  --allow-empty       an empty store passes (otherwise it is a failure)
  --skip-signatures   skip webhook signature checks (links and checkpoints are still checked)
  --no-report         do not write the summary to VERIFY_REPORT (default data/verify-report.json)
  --json              print the summary as one JSON line

Exit codes: 0 all checks passed, 1 a failure (or no store, or an empty one), 2 usage error.`;

const OPTIONS = {
  checkpoint: { type: 'string' },
  at: { type: 'string' },
  'public-key': { type: 'string' },
  'allow-empty': { type: 'boolean' },
  'skip-signatures': { type: 'boolean' },
  'no-report': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, true, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return usageError(deps, 'verify takes no arguments', USAGE);
  if (values.at !== undefined && values.checkpoint === undefined) {
    return usageError(deps, '--at needs --checkpoint FILE', USAGE);
  }
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.ledger });
  const ledger = loadLedgerConfig(deps.env);
  const evidence = loadCheckpointEvidence({
    file: values.checkpoint,
    at: values.at,
    publicKeyFile: values['public-key'],
    signingKey: ledger.signingKey,
  });
  if (typeof evidence === 'string') {
    deps.stderr.write(`verify: ${evidence}\n`);
    return 1;
  }
  const secrets = [...config.webhookSecrets, ...config.retiredWebhookSecrets];
  const skipSignatures = values['skip-signatures'] === true;
  if (secrets.length === 0 && !skipSignatures) {
    deps.stderr.write('COMPILOT_WEBHOOK_SECRET is not set: no webhook signature can be verified\n');
  }

  return withLedger(deps, async ({ store }) => {
    if ((await store.headPosition()) === undefined && !values['allow-empty']) {
      deps.stderr.write('verify: the event store is empty (pass --allow-empty to accept that)\n');
      return 1;
    }
    const summary = await verifyStore(store, {
      prove: skipSignatures ? undefined : createSignatureProver(secrets),
      checkpoint: evidence,
      onProblem: (problem) => writeLine(deps.stdout, `FAIL ${describeProblem(problem)}`),
    });
    if (values.json) await writeLine(deps.stdout, JSON.stringify(summary));
    else for (const line of describe(summary)) await writeLine(deps.stdout, line);
    if (!values['no-report']) {
      writeVerifyReport(config.verifyReportPath, summary, values.checkpoint);
    }
    return summary.problems === 0 ? 0 : 1;
  });
}

function describeProblem(problem: StoreProblem): string {
  const where: string[] = [];
  if (problem.streamName !== undefined) where.push(problem.streamName);
  if (problem.revision !== undefined) where.push(`revision ${problem.revision}`);
  const at = [
    ...(problem.position === undefined ? [] : [`position ${problem.position}`]),
    ...(problem.eventId === undefined ? [] : [`event ${problem.eventId}`]),
  ];
  const place = [...where, ...(at.length > 0 ? [`(${at.join(', ')})`] : [])].join(' ');
  return `${problem.kind}: ${place === '' ? '' : `${place}: `}${problem.message}`;
}

function describe(summary: StoreVerificationSummary): string[] {
  const { webhooks, snapshots, links, checkpoint } = summary;
  const signatures =
    webhooks.signatures === 'skipped'
      ? 'signatures skipped'
      : `signatures ${webhooks.signatures.valid} valid, ${webhooks.signatures.invalid} invalid, ` +
        `${webhooks.signatures['no-matching-secret']} no-matching-secret`;
  return [
    `checked ${count(summary.events, 'event')} in ${count(summary.streams, 'stream')}`,
    `links: ${links.stored} stored links recomputed, ${links.computed} computed for events chained after the fact`,
    `webhook deliveries: ${webhooks.deliveries} (${signatures}; ids, types, streams, svix ids checked)`,
    `details snapshots: ${snapshots.linked} linked, ${snapshots.unlinked} unlinked`,
    `erased: ${count(summary.erasure.erased, 'event')} erased, covered by ${count(summary.erasure.records, 'erasure record')} (chain and body hashes intact, signatures no longer checkable)`,
    checkpoint === undefined
      ? 'checkpoint: none given (only a checkpoint kept off the machine proves completeness)'
      : `checkpoint: position ${checkpoint.position}, ${checkpoint.streams} streams, root ${checkpoint.merkleRoot} ` +
        `(${checkpoint.fileCheckpoints} in the file, ${checkpoint.storeCheckpoints} in the store)`,
    summary.storeChecks
      ? 'store: global positions and streams table checked'
      : 'store: no adapter-specific checks',
    summary.problems === 0
      ? 'verify: OK'
      : `verify: FAILED (${count(summary.problems, 'problem')})`,
  ];
}
