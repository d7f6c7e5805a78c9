/**
 * The reconciliation job inside `serve`: one run, then the next `intervalMs` after it ended,
 * never two at once in this process (and the run stream's expected revision keeps other
 * processes out). A run that finds another in progress is skipped, not queued.
 */
import type Database from 'better-sqlite3';
import type { CompilotClient } from '../compilot/client.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import type { EventStore } from '../store/eventStore.js';
import type { ReconcileMetrics } from './reconcileMetrics.js';
import { reconcile, ReconcileBusyError, type ReconcileReport } from './reconcileRun.js';

export interface ReconcileScheduleOptions {
  readonly store: EventStore;
  readonly readModelDb: Database.Database;
  readonly client: CompilotClient;
  readonly logger: Logger;
  readonly metrics: ReconcileMetrics;
  readonly signal: AbortSignal;
  readonly intervalMs: number;
  readonly pageSize: number;
  readonly leaseMs: number;
}

export interface ReconcileSchedule {
  /** The last run this process finished, if any. */
  lastReport(): ReconcileReport | undefined;
  /** Settles once the job has stopped after the signal aborted. */
  readonly done: Promise<void>;
}

export function startReconcileSchedule(options: ReconcileScheduleOptions): ReconcileSchedule {
  const { logger, signal } = options;
  let last: ReconcileReport | undefined;

  async function loop(): Promise<void> {
    while (!signal.aborted) {
      try {
        last = await reconcile({ ...options, trigger: 'schedule' });
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ReconcileBusyError) {
          logger.info({ reason: error.message }, 'reconciliation skipped: another run holds it');
        } else {
          const errorType = error instanceof Error ? error.name : 'Error';
          logger.error({ errorType }, 'reconciliation failed');
        }
      }
      await sleep(options.intervalMs, signal).catch(() => undefined);
    }
  }

  const done = loop().catch((error: unknown) => {
    logger.error({ err: error }, 'reconciliation job stopped');
  });
  return { lastReport: () => last, done };
}
