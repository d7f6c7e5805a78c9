/**
 * `compilot-ledger audit <customerId>`: the customer's audit timeline from the event log, at a
 * point in time if asked, with signature proofs if asked.
 */
import { customerStream } from '../events/streams.js';
import { pointInTime, POINT_IN_TIME_DESCRIPTION } from '../query/params.js';
import { customerEventsAt, type PointInTime } from '../audit/pointInTime.js';
import { createSignatureProver, type SignatureProof } from '../audit/signatureProof.js';
import { timelineBuilder, type Timeline, type TimelineRow } from '../audit/timeline.js';
import { parseCustomerCommand, usageError, withLedger } from './auditSupport.js';
import { count } from '../lib/plural.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger audit <customerId> [--as-of T] [--known-at T] [--verify] [--json]

Prints the customer's audit timeline from the event log, in ComPilot time order: time, event,
status change, reason and evidence (svix id and log position; for details snapshots the
webhook they were fetched for), then the resulting state.

  --as-of T     only what was in effect at T by ComPilot's own timestamps (ISO 8601, e.g.
                2025-03-03T09:20:00Z; a date alone, 2025-03-03, means the end of that day in UTC)
  --known-at T  only what this service had stored by T (same formats)
  --verify      re-verify every webhook signature over the stored bytes with COMPILOT_WEBHOOK_SECRET
                (exit code 1 if any is not valid)
  --json        one JSON document instead of text

Exit codes: 0 ok, 1 unknown customer or a signature that is not valid, 2 usage error.`;

const OPTIONS = {
  'as-of': { type: 'string' },
  'known-at': { type: 'string' },
  verify: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCustomerCommand(deps, args, OPTIONS, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, customerId } = parsed;
  const at: { asOf?: Date; knownAt?: Date } = {};
  for (const [option, key] of [
    ['as-of', 'asOf'],
    ['known-at', 'knownAt'],
  ] as const) {
    const raw = values[option];
    if (raw === undefined) continue;
    const time = pointInTime(raw);
    if (!time) {
      return usageError(deps, `--${option} must be ${POINT_IN_TIME_DESCRIPTION}`, USAGE);
    }
    at[key] = time;
  }

  return withLedger(deps, async ({ config, store }) => {
    // Retired secrets re-verify stored deliveries; they never accept new ones.
    const prove = values.verify
      ? createSignatureProver([...config.webhookSecrets, ...config.retiredWebhookSecrets])
      : undefined;
    // Folded page by page: only rows and the state stay in memory, never the bodies.
    const builder = timelineBuilder(prove);
    let inStream = 0;
    for await (const { event, within } of customerEventsAt(store, customerId, at)) {
      inStream += 1;
      if (within) builder.add(event);
    }
    if (inStream === 0) {
      deps.stderr.write(
        `no events are stored for customer ${customerId} (no stream ${customerStream(customerId)})\n`,
      );
      return 1;
    }
    const timeline = builder.finish();
    if (values.json) {
      await writeLine(
        deps.stdout,
        JSON.stringify({ customerId, ...pointOf(at), eventsInStream: inStream, ...timeline }),
      );
    } else {
      await printTimeline(deps, customerId, at, inStream, timeline);
    }
    const failed = timeline.rows.filter(
      // An erased body has no signature left to check; its erasure record accounts for it.
      (row) =>
        row.signature && row.signature.verdict !== 'valid' && row.signature.verdict !== 'erased',
    );
    if (values.verify && config.webhookSecrets.length === 0) {
      deps.stderr.write('COMPILOT_WEBHOOK_SECRET is not set: no signature can be verified\n');
    }
    return failed.length > 0 ? 1 : 0;
  });
}

function pointOf(at: PointInTime) {
  return { asOf: at.asOf?.toISOString() ?? null, knownAt: at.knownAt?.toISOString() ?? null };
}

async function printTimeline(
  deps: CliDeps,
  customerId: string,
  at: PointInTime,
  inStream: number,
  timeline: Timeline,
): Promise<void> {
  const out = (line: string) => writeLine(deps.stdout, line);
  const point = [
    at.asOf && `as of ${at.asOf.toISOString()} (ComPilot time)`,
    at.knownAt && `as known at ${at.knownAt.toISOString()}`,
  ].filter(Boolean);
  await out(
    `Customer ${customerId} (stream ${customerStream(customerId)}): ` +
      `${timeline.rows.length} of ${count(inStream, 'event')}${point.length ? `, ${point.join(', ')}` : ''}`,
  );
  for (const row of timeline.rows) {
    await out('');
    for (const line of describeRow(row)) await out(line);
  }
  await out('');
  const state = timeline.state;
  const erasedAt = state?.evidence.erased?.at;
  await out(
    erasedAt !== undefined
      ? `State: erased at ${erasedAt} (ids and dates only are kept)`
      : state
        ? `State: status ${state.status ?? '(none)'}, risk score ${state.riskScore ?? '(none)'}, ` +
          `onboarding level ${state.onboardingLevel ?? '(none)'}${state.deleted ? ', deleted' : ''}`
        : 'State: none recorded at that point',
  );
  const proofs = timeline.rows.map((row) => row.signature).filter((p): p is SignatureProof => !!p);
  if (timeline.rows.some((row) => row.signature !== undefined)) {
    const count = (verdict: string) => proofs.filter((p) => p.verdict === verdict).length;
    await out(
      `Signatures: ${count('valid')} valid, ${count('invalid')} invalid, ` +
        `${count('no-matching-secret')} no-matching-secret, ${count('erased')} erased`,
    );
  }
}

function describeRow(row: TimelineRow): string[] {
  const lines = [
    `${row.at ?? '(no ComPilot time)'}  ${row.eventType}${row.origin === 'reconciliation' ? ' [reconciliation]' : ''}  (received ${row.receivedAt})`,
  ];
  for (const change of row.changes) lines.push(`    change:    ${change}`);
  if (row.changes.length === 0) lines.push('    change:    (none)');
  if (row.reason !== null) lines.push(`    reason:    ${row.reason}`);
  lines.push(`    evidence:  ${row.evidence}`);
  if (row.signature) {
    const { verdict, secretIndex, reason } = row.signature;
    const detail = verdict === 'valid' ? `secret ${secretIndex! + 1}` : reason;
    lines.push(`    signature: ${verdict} (${detail})`);
  }
  return lines;
}
