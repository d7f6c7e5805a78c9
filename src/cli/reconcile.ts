/**
 * `compilot-ledger reconcile [--since T] [--dry-run]`: one reconciliation run against the
 * ComPilot customer list (src/reconcile/), printing what it found. Exit codes: 0 the run
 * completed, 1 it failed or stopped early, 2 usage, 75 another run is in progress.
 */
import { parseArgs } from 'node:util';
import { compilotClientFromConfig } from '../compilot/fromConfig.js';
import { COMMAND_SETTINGS, loadConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { openReadModel } from '../readmodel/readModelStore.js';
import { reconcile, ReconcileBusyError, type ReconcileReport } from '../reconcile/reconcileRun.js';
import { openEventStore } from '../store/openEventStore.js';
import { UsageError, type CliDeps } from './deps.js';

const USAGE = `usage: compilot-ledger reconcile [--since T] [--dry-run] [--page-size N]

Walks ComPilot's customer list (GET /customers, within the client's rate limits), compares
each customer with the ledger, and for each difference appends the customer's current details
as a snapshot caused by this run. Customers ComPilot no longer returns are reported, never
deleted. The run's start, page checkpoints and end are recorded in the "reconciliation"
stream; a crashed run is resumed by the next one once RECONCILE_LEASE_MS has passed.

  --since T        skip list entries whose update time is before T (ISO 8601). ComPilot's list
                   carries no update time as far as is known, so every entry is then still
                   compared; the run says how many it could skip.
  --dry-run        walk and compare only: no details calls, nothing written
  --page-size N    customers per list call, 1..100 (default RECONCILE_PAGE_SIZE, 100)

Exit codes: 0 completed, 1 failed or stopped, 2 usage error, 75 another run is in progress.`;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const values = parseOptions(args);
  if (values.help) {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.reconcile });
  const since = parseSince(values.since);
  const pageSize = parsePageSize(values['page-size']) ?? config.reconcile.pageSize;
  const logger = createLogger(config.logLevel, process.stderr);
  const client = compilotClientFromConfig(config.compilotApi, { logger });
  if (client === undefined) {
    deps.stderr.write('compilot-ledger reconcile: COMPILOT_API_KEY is not set\n');
    return 78;
  }
  const store = openEventStore(config.eventStore, logger);
  const readModelDb = openReadModel(config.readModelPath);
  try {
    const report = await reconcile({
      store,
      readModelDb,
      client,
      logger,
      signal: deps.stopSignal,
      trigger: 'cli',
      pageSize,
      leaseMs: config.reconcile.leaseMs,
      dryRun: values['dry-run'] ?? false,
      ...(since ? { since } : {}),
    });
    print(deps.stdout, report);
    return report.record.outcome === 'completed' ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ReconcileBusyError)) throw error;
    deps.stderr.write(`compilot-ledger reconcile: ${error.message}\n`);
    return 75;
  } finally {
    readModelDb.close();
    await store.close();
  }
}

function print(out: NodeJS.WritableStream, report: ReconcileReport): void {
  const { record } = report;
  const { counts } = record;
  const line = (text = ''): boolean => out.write(`${text}\n`);
  const name = report.dryRun ? 'dry run (nothing written)' : `run ${record.runId}`;
  line(`reconciliation ${name}: ${record.outcome} in ${(record.durationMs / 1000).toFixed(1)} s`);
  if (report.resumedFromPage !== null)
    line(`  resumed a crashed run at page ${report.resumedFromPage}`);
  line(`  ${record.pages} pages walked; ComPilot lists ${record.totalCount} customers`);
  line(
    `  listed ${counts.listed}, compared ${counts.compared}, differing ${counts.differing}, ` +
      `fetched ${counts.fetched}, appended ${counts.appended}, unconfirmed ${counts.unconfirmed}, ` +
      `failed ${counts.failed}, missing ${counts.missing}, skipped by --since ${counts.skippedBySince}`,
  );
  for (const { customerId, fields } of report.differences) {
    const what = fields.map(
      (d) => `${d.field} ${d.ledger ?? '(none)'} -> ${d.compilot ?? '(none)'}`,
    );
    line(`  differs  ${customerId}  ${what.join(', ')}`);
  }
  const why = report.dryRun
    ? 'not listed; a dry run does not confirm with a 404'
    : 'ComPilot answers 404';
  for (const customerId of record.missing) line(`  missing  ${customerId}  (${why})`);
  if (record.error !== undefined) line(`  error: ${record.error}`);
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        since: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'page-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(time.getTime())) {
    throw new UsageError(`--since must be an ISO 8601 date or date-time (got "${raw}")`);
  }
  return time;
}

function parsePageSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 100) {
    throw new UsageError('--page-size must be a whole number from 1 to 100');
  }
  return value;
}
