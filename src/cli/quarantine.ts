/**
 * `compilot-ledger quarantine list|replay`: what is in quarantine and whether it passes the
 * current schemas; replay appends the ones that now pass to their proper streams.
 */
import {
  reviewQuarantine,
  type QuarantineEntry,
  type ReplayStatus,
} from '../ingress/quarantineReplay.js';
import { loadSchemaSet } from '../validation/schemas.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger quarantine list [--json]
       compilot-ledger quarantine replay [--dry-run] [--json]

list     every quarantined delivery (oldest first): position, svix id, received time, why it was
         quarantined, and its status against the CURRENT schemas: still-invalid (with the errors),
         replayable, already-replayed, already-delivered (a later delivery of the same svix id
         passed), or svix-id-conflict (its svix id is stored with another body; never replayed)
replay   appends each delivery that now passes to its proper stream as a new event: same type and
         raw bytes, the original delivery metadata plus replayedFrom {eventId, position}, and
         the id ingress gives the delivery (so a later resend by Svix is a duplicate). The
         quarantined original stays. Idempotent: running it again appends nothing.

  --dry-run  (replay) say what would be appended, append nothing
  --json     one JSON object per delivery instead of text

Exit codes: 0 ok, 1 failure, 2 usage error.`;

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, true, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if ((action !== 'list' && action !== 'replay') || rest.length > 0) {
    return usageError(deps, 'give exactly one action: list or replay', USAGE);
  }
  if (action === 'list' && values['dry-run']) {
    return usageError(deps, '--dry-run only applies to replay', USAGE);
  }
  const apply = action === 'replay' && !values['dry-run'];
  const schemas = loadSchemaSet();

  return withLedger(
    deps,
    async ({ store }) => {
      const counts = new Map<ReplayStatus, number>();
      for await (const entry of reviewQuarantine(store, schemas, { apply })) {
        counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
        await writeLine(deps.stdout, values.json ? JSON.stringify(toJson(entry)) : describe(entry));
      }
      if (!values.json) {
        const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
        const parts = [...counts].map(([status, n]) => `${n} ${status}`);
        await writeLine(
          deps.stdout,
          `${total} quarantined ${total === 1 ? 'delivery' : 'deliveries'}` +
            `${parts.length ? `: ${parts.join(', ')}` : ''} (schema set ${schemas.version})`,
        );
      }
      return 0;
    },
    { readOnly: !apply },
  );
}

function toJson(entry: QuarantineEntry) {
  return {
    position: entry.event.position,
    eventId: entry.event.id,
    svixId: entry.svixId,
    receivedAt: entry.receivedAt,
    quarantineReason: entry.reason,
    claimedType: entry.claimedType,
    status: entry.status,
    ...(entry.streamName !== undefined && { streamName: entry.streamName }),
    ...(entry.errors !== undefined && { errors: entry.errors }),
    ...(entry.replayPosition !== undefined && { replayPosition: entry.replayPosition }),
  };
}

function describe(entry: QuarantineEntry): string {
  const head =
    `${entry.event.position}  ${entry.svixId ?? '(no svix id)'}  received ${entry.receivedAt ?? '?'}  ` +
    `${entry.reason ?? '?'}${entry.claimedType ? ` (${entry.claimedType})` : ''}  -> ${entry.status}`;
  const target = entry.streamName ? ` into ${entry.streamName}` : '';
  const position = entry.replayPosition ? ` at ${entry.replayPosition}` : '';
  const errors = (entry.errors ?? [])
    .slice(0, 3)
    .map((error) => `\n    ${error.path || '(body)'}: ${error.message}`)
    .join('');
  return `${head}${target}${position}${errors}`;
}
