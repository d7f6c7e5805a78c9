/**
 * One reconciliation run: walks `GET /customers` page by page through the rate-limited client,
 * compares each entry with the ledger, and for each difference records what
 * `GET /customers/{id}/details` answers as a snapshot caused by the run's start record. Each
 * page ends with a checkpoint record, so a crashed run is resumed from the next page by a later
 * run (once its lease has lapsed); a stopped or failed run gets an end record saying so.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CompilotClient } from '../compilot/client.js';
import { createCustomersApi } from '../compilot/customers.js';
import type { CustomerListItem } from '../compilot/comPilotTypes.js';
import { RECONCILIATION_STREAM } from '../events/streams.js';
import type { Logger } from '../lib/logger.js';
import { StreamRevisionConflictError, type EventStore } from '../store/eventStore.js';
import { compareEntry, entryUpdatedAt, type Difference } from './compareEntry.js';
import { liveLedgerCustomerIds, readModelViews } from './ledgerCustomers.js';
import type { ReconcileMetrics } from './reconcileMetrics.js';
import { createRepairer, type Repairer } from './repairCustomer.js';
import {
  readRunStream,
  runRecordEvent,
  RUN_FINISHED,
  RUN_PAGE,
  RUN_RESUMED,
  RUN_STARTED,
  ZERO_COUNTS,
  type FinishedRecord,
  type PageRecord,
  type RunCounts,
  type RunOutcome,
  type RunTrigger,
  type StartedRecord,
  type StartRef,
} from './runRecords.js';

export interface ReconcileOptions {
  readonly store: EventStore;
  readonly readModelDb: Database.Database;
  readonly client: CompilotClient;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly trigger: RunTrigger;
  /** @defaultValue 100 (the page size the reference's example uses) */
  readonly pageSize?: number;
  /** Skip entries whose list update time is before this (only entries that carry one). */
  readonly since?: Date;
  /** Walk and compare only: no details calls, no records, no snapshots. */
  readonly dryRun?: boolean;
  /** An open run whose last record is younger than this is taken to be running. @defaultValue 300000 */
  readonly leaseMs?: number;
  /** Details fetched at once; the client still enforces its own caps. @defaultValue 4 */
  readonly concurrency?: number;
  readonly metrics?: ReconcileMetrics;
  readonly clock?: () => Date;
}

export interface ReconcileReport {
  /** The end record (not written for a dry run). */
  readonly record: FinishedRecord;
  readonly dryRun: boolean;
  /** The page a resumed run went on from, or null. */
  readonly resumedFromPage: number | null;
  /** Every difference found, also beyond the first 100 the end record keeps. */
  readonly differences: readonly { readonly customerId: string; readonly fields: Difference[] }[];
}

/** Another run holds the reconciliation stream; nothing was written. */
export class ReconcileBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconcileBusyError';
  }
}

const KEPT = 100;

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, logger, signal } = options;
  const clock = options.clock ?? (() => new Date());
  const dryRun = options.dryRun ?? false;
  const customers = createCustomersApi(options.client);
  let revision: bigint | 'no_stream' = 'no_stream';

  async function write(type: string, event: ReturnType<typeof runRecordEvent>) {
    try {
      const result = await store.appendToStream(RECONCILIATION_STREAM, [event], {
        expected: revision,
      });
      revision = result.nextExpectedRevision;
      return result;
    } catch (error) {
      if (!(error instanceof StreamRevisionConflictError)) throw error;
      throw new ReconcileBusyError(
        `another reconciliation wrote to the ${RECONCILIATION_STREAM} stream first (${type})`,
      );
    }
  }

  // Claim the run stream: a new run, or the takeover of a crashed one.
  let started: StartedRecord;
  let startRef: StartRef | undefined;
  let donePages: readonly PageRecord[] = [];
  let resumed = 0;
  let resumedFromPage: number | null = null;
  const fresh = (): StartedRecord => ({
    runId: dryRun ? 'dry-run' : randomUUID(),
    startedAt: clock().toISOString(),
    trigger: options.trigger,
    pageSize: options.pageSize ?? 100,
    since: options.since?.toISOString() ?? null,
  });
  if (dryRun) {
    started = fresh();
  } else {
    const state = await readRunStream(store);
    revision = state.revision;
    if (state.open) {
      const age = clock().getTime() - state.open.lastRecordedAt.getTime();
      const leaseMs = options.leaseMs ?? 300_000;
      if (age < leaseMs) {
        throw new ReconcileBusyError(
          `reconciliation run ${state.open.started.runId} is in progress (its last record is ` +
            `${Math.round(age / 1000)} s old; it is taken over once that exceeds ${Math.round(leaseMs / 1000)} s)`,
        );
      }
      ({ started, startRef, pages: donePages, resumed } = state.open);
      resumedFromPage = (donePages.at(-1)?.page ?? 0) + 1;
      resumed += 1;
      await write(
        RUN_RESUMED,
        runRecordEvent(
          RUN_RESUMED,
          { runId: started.runId, resumedAt: clock().toISOString(), fromPage: resumedFromPage },
          String(revision),
        ),
      );
    } else {
      started = fresh();
      const event = runRecordEvent(RUN_STARTED, started);
      const result = await write(RUN_STARTED, event);
      startRef = { id: event.id, position: result.position };
    }
  }
  const { runId, pageSize } = started;
  const since = started.since === null ? undefined : started.since;
  logger.info({ runId, dryRun, resumedFromPage, pageSize, since }, 'reconciliation started');

  const counts: { -readonly [K in keyof RunCounts]: number } = {
    ...ZERO_COUNTS,
    ...donePages.at(-1)?.counts,
  };
  const seen = new Set(donePages.flatMap((page) => page.ids));
  const differences: { customerId: string; fields: Difference[] }[] = [];
  const missing: string[] = [];
  const repairer: Repairer = createRepairer({
    store,
    customers,
    signal,
    clock,
    logger,
    runId,
    startRef,
    dryRun,
    counts,
    onDifference: (customerId, fields) => differences.push({ customerId, fields }),
  });
  const concurrency = options.concurrency ?? 4;
  let page = resumedFromPage ?? 1;
  let totalCount = donePages.at(-1)?.totalCount ?? 0;
  let pages = donePages.at(-1)?.page ?? 0;

  async function walk(): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const list = await customers.listCustomers(
        { currentPage: page, limit: pageSize },
        { signal },
      );
      totalCount = list.totalCount;
      const entries: CustomerListItem[] = [];
      for (const entry of list.data) {
        // An offset-paged list shifts when customers are added meanwhile: skip repeats.
        if (seen.has(entry.id)) continue;
        seen.add(entry.id);
        entries.push(entry);
      }
      counts.listed += entries.length;
      const compared = entries.filter((entry) => {
        const updatedAt = entryUpdatedAt(entry);
        const skip = since !== undefined && updatedAt !== undefined && updatedAt < since;
        if (skip) counts.skippedBySince += 1;
        return !skip;
      });
      counts.compared += compared.length;
      const views = readModelViews(
        options.readModelDb,
        compared.map((entry) => entry.id),
      );
      // The page a crashed run was on may hold snapshots the read model has already applied:
      // check all of its entries against their streams, so they are counted for this run.
      const recheck = page === resumedFromPage;
      const candidates = compared.filter(
        (entry) => recheck || compareEntry(entry, views.get(entry.id)).length > 0,
      );
      await inPool(candidates, concurrency, (entry) => repairer.checkEntry(entry));
      pages = page;
      if (!dryRun) {
        const record: PageRecord = {
          runId,
          page,
          totalCount,
          ids: entries.map((entry) => entry.id),
          counts: { ...counts },
          at: clock().toISOString(),
        };
        await write(RUN_PAGE, runRecordEvent(RUN_PAGE, record, String(page)));
      }
      if (list.data.length === 0 || page * pageSize >= list.totalCount) return;
      page += 1;
    }
  }

  let outcome: RunOutcome = 'completed';
  let failure: string | undefined;
  try {
    await walk();
    // Live in the ledger, never listed: gone from ComPilot, or skipped by a shifting page.
    const unlisted = liveLedgerCustomerIds(options.readModelDb).filter((id) => !seen.has(id));
    await inPool(unlisted, concurrency, async (customerId) => {
      if ((await repairer.checkUnlisted(customerId)) === 'missing') missing.push(customerId);
    });
    signal.throwIfAborted();
  } catch (error) {
    if (error instanceof ReconcileBusyError) throw error;
    outcome = signal.aborted ? 'aborted' : 'failed';
    failure = error instanceof Error ? error.message : String(error);
    // The message stays in the end record; the log gets its kind only (no paths, no ids).
    const errorType = error instanceof Error ? error.name : 'Error';
    logger.warn({ runId, outcome, errorType }, 'reconciliation did not complete');
  }
  const finishedAt = clock();
  const record: FinishedRecord = {
    runId,
    startedAt: started.startedAt,
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - Date.parse(started.startedAt),
    outcome,
    counts: { ...counts },
    pages,
    totalCount,
    resumed,
    missing: missing.sort().slice(0, KEPT),
    differences: differences
      .slice(0, KEPT)
      .map(({ customerId, fields }) => ({ customerId, fields: fields.map((d) => d.field) })),
    ...(failure === undefined ? {} : { error: failure }),
  };
  if (!dryRun) {
    await write(RUN_FINISHED, runRecordEvent(RUN_FINISHED, record));
    options.metrics?.finished(record);
  }
  logger.info(
    { runId, dryRun, outcome, ...counts, durationMs: record.durationMs },
    'reconciliation finished',
  );
  return { record, dryRun, resumedFromPage, differences };
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  // allSettled: nothing of this page may still be writing once the caller records the page.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(size, items.length) }, worker),
  );
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}
