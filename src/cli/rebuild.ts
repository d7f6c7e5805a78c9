/**
 * `compilot-ledger rebuild [projection...] [--refetch]`: rebuilds projections into new tables
 * while the current ones keep answering queries (also while the service runs), then switches.
 * `--refetch` first re-pulls the details of every known customer through the enrichment path
 * (the `refetch` dependency, wired by the service), so the rebuild sees current snapshots.
 */
import { parseArgs } from 'node:util';
import { projections as allProjections } from '../../projections/index.js';
import type { Projection } from '../../projections/projection.js';
import { COMMAND_SETTINGS, loadConfig, type Config, type LogLevel } from '../config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createProgress, eventsBetween } from '../projector/progress.js';
import { openReadModel } from '../readmodel/readModelStore.js';
import { rebuildProjections } from '../projector/rebuildProjections.js';
import type { RebuildResult } from '../projector/rebuildOptions.js';
import { knownCustomerIds } from '../readmodel/customerSearch.js';
import { defaultRebuildThreads, rebuildInThreads } from '../projector/rebuildThreads.js';
import { sealReadModelFor } from '../projector/readModelSealing.js';
import type { EventStore } from '../store/eventStore.js';
import { openEventStore } from '../store/openEventStore.js';
import { count } from '../lib/plural.js';
import { UsageError, type CliDeps } from './deps.js';

/** Re-pulls the details of these customers (one fetch each, rate limited) into the log. */
export type Refetch = (
  customerIds: readonly string[],
  options: { readonly signal: AbortSignal; readonly logger: Logger },
) => Promise<void>;

export interface RebuildDeps extends CliDeps {
  /** Defaults to the rebuild's settings from `deps.env`. */
  readonly config?: Config;
  readonly logger?: Logger;
  /** Defaults to the store EVENT_STORE_URL names. */
  readonly openStore?: (config: Config, logger: Logger) => EventStore;
  /** Needed for --refetch. */
  readonly refetch?: Refetch;
  /** Defaults to the registered projections. */
  readonly projections?: readonly Projection[];
  /** Events per batch. @defaultValue 5000 */
  readonly batchSize?: number;
}

const USAGE = `usage: compilot-ledger rebuild [projection...] [--refetch] [--threads N]

Rebuilds the named projections (all when none is named) from the start of the event log into
new tables; the current tables keep answering queries until the new ones have caught up and
are switched in, in one transaction. Safe while the service runs; an interrupted rebuild is
resumed by the next rebuild or service start.

  --refetch   first re-pull current details of every known customer through the enrichment
              path (one fetch per customer, rate limited), then rebuild
  --threads N rebuild on N worker threads, the projections dealt out between them (default
              1: on the machines measured more threads were not faster)

REBUILD_MEMORY_MB (default 128) bounds the documents a rebuild keeps in memory; above it they
are written out early and read back as needed.

Shows a progress bar on a terminal, log lines otherwise. Exit status 0 when every projection
was switched in, 1 otherwise.`;

export async function run(args: string[], deps: RebuildDeps): Promise<number> {
  const { values, positionals } = parseOptions(args);
  if (values.help) {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const available = deps.projections ?? allProjections;
  const selected = select(available, positionals);
  const config = deps.config ?? loadConfig(deps.env, { settings: COMMAND_SETTINGS.rebuild });
  // JSON logs go to stderr: stdout carries the rebuild's report.
  const logger = deps.logger ?? createLogger(config.logLevel, deps.stderr);
  if (values.refetch && deps.refetch === undefined) {
    throw new UsageError('--refetch is not available in this build (no enrichment client wired)');
  }
  // Threads load projections by name and open the store themselves: only the registered
  // projections over the configured store can go there. Even one thread builds in a worker:
  // its young generation is sized for rebuilds (rebuildThreads.ts, REBUILD_YOUNG_GENERATION_MB),
  // and a running process cannot resize its own main thread's.
  const threadable = deps.projections === undefined && deps.openStore === undefined;
  const threads = threadable ? (values.threads ?? defaultRebuildThreads()) : 1;
  const db = openReadModel(config.readModelPath);
  try {
    if (values.refetch) {
      const customerIds = knownCustomerIds(db);
      logger.info(
        { customers: customerIds.length },
        'refetching customer details before the rebuild',
      );
      await deps.refetch!(customerIds, { signal: deps.stopSignal, logger });
      if (deps.stopSignal.aborted) return 1;
    }
    const progress = createProgress({
      label: `rebuild ${selected.map((p) => p.name).join(', ')}`,
      output: deps.stderr,
      logger,
    });
    const options = {
      batchSize: deps.batchSize,
      onError: config.projectionOnError,
      memoryBudgetMb: config.rebuildMemoryMb,
      signal: deps.stopSignal,
      progress,
    };
    const result = threadable
      ? await rebuildInThreads({
          ...options,
          // The log's length sizes the threads' young generation (rebuildThreads.ts).
          eventsToRead: await eventsInLog(config, logger),
          eventStore: config.eventStore,
          readModelPath: config.readModelPath,
          projections: selected.map((p) => p.name),
          threads,
          logLevel: logger.level as LogLevel,
          logFd: 2,
        })
      : await inThisThread(deps, config, logger, (store) => {
          sealReadModelFor(db, store, config.eventStore.encryption);
          return rebuildProjections(selected, { ...options, store, db, logger });
        });
    report(deps.stdout, result);
    return result.results.every((r) => r.outcome === 'switched') ? 0 : 1;
  } finally {
    db.close();
  }
}

/** Runs `rebuild` with the event store opened here (only the in-thread rebuild needs it). */
async function inThisThread(
  deps: RebuildDeps,
  config: Config,
  logger: Logger,
  rebuild: (store: EventStore) => Promise<RebuildResult>,
): Promise<RebuildResult> {
  const store = (deps.openStore ?? ((c, l) => openEventStore(c.eventStore, l)))(config, logger);
  try {
    return await rebuild(store);
  } finally {
    await store.close();
  }
}

/**
 * The number of events in the log, read through a read-only store (no writer thread, no key
 * creation: the threads open the store for writing themselves). Undefined when it cannot be
 * told; the threads then keep Node's young generation and report any problem with the store.
 */
async function eventsInLog(config: Config, logger: Logger): Promise<number | undefined> {
  let store: EventStore;
  try {
    store = openEventStore(config.eventStore, logger, { readOnly: true });
  } catch {
    return undefined; // no store yet: the threads create it
  }
  try {
    return eventsBetween(undefined, await store.headPosition());
  } finally {
    await store.close();
  }
}

function parseOptions(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        refetch: { type: 'boolean' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { threads } = parsed.values;
  if (threads !== undefined && !/^[1-9]\d{0,2}$/.test(threads)) {
    throw new UsageError(`--threads must be a whole number from 1 to 999, got "${threads}"`);
  }
  return {
    positionals: parsed.positionals,
    values: { ...parsed.values, threads: threads === undefined ? undefined : Number(threads) },
  };
}

function select(available: readonly Projection[], names: readonly string[]): readonly Projection[] {
  if (names.length === 0) return available;
  const unknown = names.filter((name) => !available.some((p) => p.name === name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown projection ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${available.map((p) => p.name).join(', ')})`,
    );
  }
  return available.filter((p) => names.includes(p.name));
}

function report(out: NodeJS.WritableStream, result: RebuildResult): void {
  const rate = result.seconds > 0 ? Math.round(result.eventsRead / result.seconds) : 0;
  out.write(
    `read ${count(result.eventsRead, 'event')} in ${result.seconds.toFixed(1)} s (${rate} events/s)\n`,
  );
  for (const r of result.results) {
    const poison = r.poison
      ? ` at ${r.poison.position} (event ${r.poison.eventId}): ${r.poison.error}`
      : '';
    out.write(
      `${r.projection} v${r.version}: ${r.outcome} (generation ${r.generation}, ${count(r.eventsApplied, 'event')} applied, checkpoint ${r.checkpoint ?? 'none'})${poison}\n`,
    );
  }
}

export { USAGE };
