/**
 * Reconciliation runs are events: a start record, one checkpoint per page walked, a resumed
 * record when a later process takes over a crashed run, and an end record, all in the
 * `reconciliation` stream. The stream is also the lock: every record is appended with the
 * revision its writer last saw, so two runs (or two owners of one run) can never both write.
 */
import { RECONCILIATION_STREAM } from '../events/streams.js';
import { uuidv5 } from '../lib/uuidv5.js';
import type { EventStore, NewEvent, RecordedEvent } from '../store/eventStore.js';

export const RUN_STARTED = 'reconciliation.started';
export const RUN_PAGE = 'reconciliation.page-checkpointed';
export const RUN_RESUMED = 'reconciliation.resumed';
export const RUN_FINISHED = 'reconciliation.finished';

export interface RunCounts {
  /** Distinct customers the list returned. */
  readonly listed: number;
  /** Listed customers compared with the ledger (all but those `--since` skipped). */
  readonly compared: number;
  /** Compared customers whose ledger state differed from the list entry. */
  readonly differing: number;
  /** Details calls made (for differences, and to confirm customers the list left out). */
  readonly fetched: number;
  /** Snapshots appended. */
  readonly appended: number;
  /**
   * Differences not borne out when the snapshot was to be appended: the details agreed with the
   * ledger as it then stood (a webhook in flight may have caught it up), said 404, or the
   * customer had been erased meanwhile.
   */
  readonly unconfirmed: number;
  /** Differences whose details fetch or append failed; the next run retries them. */
  readonly failed: number;
  /** Customers the ledger holds as live that ComPilot no longer returns (404). */
  readonly missing: number;
  /** Entries whose list update time was before `--since`. */
  readonly skippedBySince: number;
}

export const ZERO_COUNTS: RunCounts = {
  listed: 0,
  compared: 0,
  differing: 0,
  fetched: 0,
  appended: 0,
  unconfirmed: 0,
  failed: 0,
  missing: 0,
  skippedBySince: 0,
};

export type RunTrigger = 'cli' | 'schedule';

export interface StartedRecord {
  readonly runId: string;
  readonly startedAt: string;
  readonly trigger: RunTrigger;
  readonly pageSize: number;
  /** `--since`, or null. */
  readonly since: string | null;
}

export interface PageRecord {
  readonly runId: string;
  readonly page: number;
  readonly totalCount: number;
  /** Ids the page listed (so a resumed run still knows whom the list returned). */
  readonly ids: readonly string[];
  /** Cumulative over the run up to and including this page. */
  readonly counts: RunCounts;
  readonly at: string;
}

export interface ResumedRecord {
  readonly runId: string;
  readonly resumedAt: string;
  readonly fromPage: number;
}

export type RunOutcome = 'completed' | 'failed' | 'aborted';

export interface FinishedRecord {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Wall time from start to end, including any time a crashed run lay idle before resuming. */
  readonly durationMs: number;
  readonly outcome: RunOutcome;
  readonly counts: RunCounts;
  readonly pages: number;
  readonly totalCount: number;
  readonly resumed: number;
  /** Customers the list no longer returns (first 100), reported and never deleted. */
  readonly missing: readonly string[];
  /** What differed (first 100), for the auditor. */
  readonly differences: readonly { readonly customerId: string; readonly fields: string[] }[];
  readonly error?: string;
}

/** Where a snapshot points: the run's start record. */
export interface StartRef {
  readonly id: string;
  readonly position: string;
}

export function runStartedId(runId: string): string {
  return uuidv5(`reconcile/${runId}/started`);
}

/** A record as an event; its id follows from the run and the record, so retries are duplicates. */
export function runRecordEvent(
  type: typeof RUN_STARTED | typeof RUN_PAGE | typeof RUN_RESUMED | typeof RUN_FINISHED,
  record: StartedRecord | PageRecord | ResumedRecord | FinishedRecord,
  discriminator = '',
): NewEvent {
  const id =
    type === RUN_STARTED
      ? runStartedId(record.runId)
      : uuidv5(`reconcile/${record.runId}/${type}/${discriminator}`);
  return {
    id,
    type,
    data: Buffer.from(JSON.stringify(record)),
    metadata: { runId: record.runId },
  };
}

export function recordOf<T>(event: RecordedEvent): T {
  return JSON.parse(event.data.toString('utf8')) as T;
}

/** A run with a start record and no end record: running, or crashed. */
export interface OpenRun {
  readonly started: StartedRecord;
  readonly startRef: StartRef;
  readonly pages: readonly PageRecord[];
  readonly resumed: number;
  /** When its last record was written (the store's clock). */
  readonly lastRecordedAt: Date;
}

export interface RunStreamState {
  /** Revision of the stream's last record, or 'no_stream'. */
  readonly revision: bigint | 'no_stream';
  readonly open: OpenRun | undefined;
}

/**
 * The stream's last revision and, when the last run has no end record, that run. Reads
 * backwards only as far as the open run's start record.
 */
export async function readRunStream(store: EventStore): Promise<RunStreamState> {
  const [last] = await store.readStream(RECONCILIATION_STREAM, {
    direction: 'backwards',
    maxCount: 1,
  });
  if (last === undefined) return { revision: 'no_stream', open: undefined };
  if (last.type === RUN_FINISHED) return { revision: last.revision, open: undefined };
  const tail: RecordedEvent[] = [];
  let from = last.revision;
  for (;;) {
    const chunk = await store.readStream(RECONCILIATION_STREAM, {
      direction: 'backwards',
      fromRevision: from,
      maxCount: 500,
    });
    const startIndex = chunk.findIndex((event) => event.type === RUN_STARTED);
    tail.push(...(startIndex < 0 ? chunk : chunk.slice(0, startIndex + 1)));
    if (startIndex >= 0 || chunk.length < 500) break;
    from = chunk.at(-1)!.revision - 1n;
  }
  tail.reverse();
  const startEvent = tail[0];
  if (startEvent?.type !== RUN_STARTED) {
    throw new Error(`the ${RECONCILIATION_STREAM} stream has records without a start record`);
  }
  return {
    revision: last.revision,
    open: {
      started: recordOf<StartedRecord>(startEvent),
      startRef: { id: startEvent.id, position: startEvent.position },
      pages: tail.filter((event) => event.type === RUN_PAGE).map(recordOf<PageRecord>),
      resumed: tail.filter((event) => event.type === RUN_RESUMED).length,
      lastRecordedAt: last.recordedAt,
    },
  };
}
