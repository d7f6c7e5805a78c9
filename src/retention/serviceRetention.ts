/**
 * Retention inside `serve`: erasures a crash left half-done are finished (or undone) before
 * anything else writes, and with RETENTION_ENFORCE=true due customers are erased on a schedule.
 */
import type Database from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { RetentionConfig } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { listDueCustomers } from '../readmodel/retentionQueries.js';
import { StoreUnavailableError, type EventStore } from '../store/eventStore.js';
import { recoverErasures } from './erasure.js';
import { createRetentionMetrics } from './erasureRun.js';
import { startRetentionSchedule, type RetentionSchedule } from './retentionSchedule.js';
import { subjectKeysOf } from './storeKeys.js';

export async function recoverErasuresOnStart(store: EventStore, logger: Logger): Promise<void> {
  const keys = subjectKeysOf(store);
  if (keys === undefined) return;
  try {
    const result = await recoverErasures({ store, keys, alertIdsOf: () => [], retentionDays: 0 });
    if (result.finished.length + result.aborted.length > 0) {
      logger.warn(
        { finished: result.finished.length, aborted: result.aborted.length },
        'erasures interrupted by a crash were finished (record written) or undone (no record)',
      );
    }
  } catch (error) {
    // KurrentDB down: the next start (or the next erase) recovers them.
    if (error instanceof StoreUnavailableError) {
      logger.warn({ errorName: error.name }, 'could not check for interrupted erasures');
      return;
    }
    throw error;
  }
}

export interface RetentionDeps {
  readonly store: EventStore;
  readonly readModelDb: Database.Database;
  readonly registry: Registry;
  readonly signal: AbortSignal;
}

export function startRetentionIfConfigured(
  config: RetentionConfig | undefined,
  logger: Logger,
  deps: RetentionDeps,
): RetentionSchedule | undefined {
  if (config === undefined || !config.enforce) return undefined;
  const keys = subjectKeysOf(deps.store);
  if (keys === undefined) {
    logger.warn('retention enforcement off: encryption at rest is off, nothing can be erased');
    return undefined;
  }
  return startRetentionSchedule({
    store: deps.store,
    keys,
    retentionDays: config.retentionDays,
    logger,
    metrics: createRetentionMetrics(deps.registry),
    due: () =>
      (listDueCustomers(deps.readModelDb, new Date(), config.retentionDays)?.due ?? []).map(
        (due) => due.customerId,
      ),
    signal: deps.signal,
    intervalMs: config.intervalMs,
  });
}
