/**
 * The run history, read straight from the `reconciliation` stream (newest first): what an
 * auditor asks to see when the ledger was last reconciled and what each run found.
 */
import { RECONCILIATION_STREAM } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import {
  recordOf,
  RUN_FINISHED,
  RUN_PAGE,
  RUN_RESUMED,
  RUN_STARTED,
  ZERO_COUNTS,
  type FinishedRecord,
  type PageRecord,
  type RunCounts,
  type RunOutcome,
  type StartedRecord,
} from './runRecords.js';

export interface RunSummary {
  readonly runId: string;
  /** `in-progress` for a run without an end record (running, or crashed and not yet resumed). */
  readonly outcome: RunOutcome | 'in-progress';
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly since: string | null;
  readonly pageSize: number;
  readonly pages: number;
  readonly totalCount: number;
  readonly resumed: number;
  readonly counts: RunCounts;
  readonly missing: readonly string[];
  readonly differences: FinishedRecord['differences'];
  readonly error: string | null;
  /** The start record every snapshot of the run names as its causation. */
  readonly startEvent: { readonly id: string; readonly position: string };
}

export interface RunHistoryPage {
  readonly runs: readonly RunSummary[];
  /** Pass back as `cursor` for older runs; null when there are none. */
  readonly nextCursor: string | null;
}

const CHUNK = 500;

/** Up to `limit` runs, newest first, starting before the stream revision `before`. */
export async function listRuns(
  store: EventStore,
  options: { readonly limit: number; readonly before?: bigint },
): Promise<RunHistoryPage> {
  const runs: RunSummary[] = [];
  let pending: RecordedEvent[] = [];
  let from = options.before === undefined ? undefined : options.before - 1n;
  while (runs.length < options.limit && (from === undefined || from >= 0n)) {
    const chunk = await store.readStream(RECONCILIATION_STREAM, {
      direction: 'backwards',
      maxCount: CHUNK,
      ...(from === undefined ? {} : { fromRevision: from }),
    });
    for (const event of chunk) {
      pending.push(event);
      if (event.type !== RUN_STARTED) continue;
      runs.push(summarise(pending.reverse()));
      pending = [];
      if (runs.length === options.limit) {
        return { runs, nextCursor: event.revision > 0n ? String(event.revision) : null };
      }
    }
    if (chunk.length < CHUNK) break;
    from = chunk.at(-1)!.revision - 1n;
  }
  return { runs, nextCursor: null };
}

/** The end record of the newest finished run, if any. */
export async function latestFinishedRun(store: EventStore): Promise<FinishedRecord | undefined> {
  const { runs } = await listRuns(store, { limit: 2 });
  const run = runs.find((candidate) => candidate.outcome !== 'in-progress');
  if (run === undefined || run.finishedAt === null) return undefined;
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs ?? 0,
    outcome: run.outcome as RunOutcome,
    counts: run.counts,
    pages: run.pages,
    totalCount: run.totalCount,
    resumed: run.resumed,
    missing: run.missing,
    differences: run.differences,
  };
}

/** One run from its records in stream order (start record first). */
function summarise(events: readonly RecordedEvent[]): RunSummary {
  const startEvent = events[0]!;
  const started = recordOf<StartedRecord>(startEvent);
  const finishedEvent = events.find((event) => event.type === RUN_FINISHED);
  const finished = finishedEvent && recordOf<FinishedRecord>(finishedEvent);
  const pages = events.filter((event) => event.type === RUN_PAGE).map(recordOf<PageRecord>);
  const lastPage = pages.at(-1);
  return {
    runId: started.runId,
    outcome: finished?.outcome ?? 'in-progress',
    trigger: started.trigger,
    startedAt: started.startedAt,
    finishedAt: finished?.finishedAt ?? null,
    durationMs: finished?.durationMs ?? null,
    since: started.since,
    pageSize: started.pageSize,
    pages: finished?.pages ?? lastPage?.page ?? 0,
    totalCount: finished?.totalCount ?? lastPage?.totalCount ?? 0,
    resumed: events.filter((event) => event.type === RUN_RESUMED).length,
    counts: finished?.counts ?? lastPage?.counts ?? ZERO_COUNTS,
    missing: finished?.missing ?? [],
    differences: finished?.differences ?? [],
    error: finished?.error ?? null,
    startEvent: { id: startEvent.id, position: startEvent.position },
  };
}
