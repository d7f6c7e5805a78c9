/**
 * `compilot-ledger export`: a stream or the whole log as NDJSON or CSV, streamed page by page
 * with backpressure, so an export of any size runs in constant memory.
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { readLogPages, readStreamPages } from '../store/logPages.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { toJson } from './events.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger export (--stream NAME | --all) [--format ndjson|csv]

Writes stored events to stdout, oldest first (a stream in revision order, --all in commit
order), reading the log page by page.

  --stream NAME   one stream, e.g. customer-<customerId>, alert-<alertId>, quarantine
  --all           the whole log
  --format F      ndjson (default): one JSON object per event, as \`compilot-ledger events\` prints;
                  csv: ${'`'}stream,revision,position,id,type,recorded_at,svix_id,received_at,body_sha256,metadata,body${'`'}
                  with RFC 4180 quoting (metadata as JSON, body as the raw UTF-8 text)

Exit codes: 0 ok, 2 usage error.`;

const OPTIONS = {
  stream: { type: 'string' },
  all: { type: 'boolean' },
  format: { type: 'string', default: 'ndjson' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CSV_COLUMNS = [
  'stream',
  'revision',
  'position',
  'id',
  'type',
  'recorded_at',
  'svix_id',
  'received_at',
  'body_sha256',
  'metadata',
  'body',
] as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, false, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if ((values.stream === undefined) === (values.all !== true)) {
    return usageError(deps, 'give exactly one of --stream NAME or --all', USAGE);
  }
  const format = values.format;
  if (format !== 'ndjson' && format !== 'csv') {
    return usageError(deps, `--format must be ndjson or csv (got "${format}")`, USAGE);
  }
  const line =
    format === 'csv' ? toCsvLine : (event: RecordedEvent) => JSON.stringify(toJson(event));

  return withLedger(deps, async ({ store }) => {
    if (values.stream !== undefined) {
      const [first] = await store.readStream(values.stream, { maxCount: 1 });
      if (first === undefined) {
        deps.stderr.write(`no stream named "${values.stream}" in the event store\n`);
        return 1;
      }
    }
    if (format === 'csv') await writeLine(deps.stdout, CSV_COLUMNS.join(','));
    const pages =
      values.stream !== undefined
        ? readStreamPages(store, values.stream)
        : readLogPages(store, { until: await store.headPosition() });
    for await (const page of pages) {
      for (const event of page) await writeLine(deps.stdout, line(event));
    }
    return 0;
  });
}

export function toCsvLine(event: RecordedEvent): string {
  const meta = event.metadata;
  const field = (key: string): string => {
    const value = meta[key];
    return typeof value === 'string' ? value : '';
  };
  return [
    event.streamName,
    String(event.revision),
    event.position,
    event.id,
    event.type,
    event.recordedAt.toISOString(),
    field('svixId'),
    field('receivedAt'),
    field('bodySha256'),
    JSON.stringify(meta),
    event.data.toString('utf8'),
  ]
    .map(csvField)
    .join(',');
}

/** RFC 4180: quote fields holding a comma, quote, CR or LF; double inner quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
