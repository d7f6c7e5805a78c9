/**
 * Erasing the customers whose retention period has passed (RETENTION_ENFORCE): recovery of
 * half-done erasures first, then each due customer with reason `retention period ended`. One
 * scan of the log finds the alert streams of all of them. Logged and counted without personal
 * data (no customer ids: counts only).
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { METRIC_PREFIX } from '../lib/metrics.js';
import type { EventStore } from '../store/eventStore.js';
import { alertIdsByCustomer } from './customerAlerts.js';
import { eraseCustomer, recoverErasures, type ErasureDeps } from './erasure.js';
import type { SubjectKeys } from './subjectKeys.js';

export const RETENTION_REASON = 'retention period ended';
export const RETENTION_ACTOR = 'retention-schedule';

export interface RetentionMetrics {
  erased(outcome: 'erased' | 'failed' | 'recovered', count?: number): void;
}

export function createRetentionMetrics(registry: Registry): RetentionMetrics {
  const counter = new Counter({
    name: `${METRIC_PREFIX}retention_erasures_total`,
    help: 'customers erased by the retention schedule (erased), failed, or finished after a crash (recovered)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['erased', 'failed', 'recovered']) counter.inc({ outcome }, 0);
  return { erased: (outcome, count = 1) => counter.inc({ outcome }, count) };
}

export interface ErasureRunDeps {
  readonly store: EventStore;
  readonly keys: SubjectKeys;
  readonly retentionDays: number;
  readonly logger: Logger;
  readonly metrics?: RetentionMetrics;
  /** The customers due now (the retention read model). */
  readonly due: () => readonly string[];
  readonly clock?: () => Date;
  readonly signal?: AbortSignal;
}

export interface ErasureRunResult {
  readonly erased: number;
  readonly failed: number;
  readonly recovered: number;
}

export async function eraseDueCustomers(deps: ErasureRunDeps): Promise<ErasureRunResult> {
  const recovery = await recoverErasures({
    store: deps.store,
    keys: deps.keys,
    alertIdsOf: () => [],
    retentionDays: deps.retentionDays,
  });
  deps.metrics?.erased('recovered', recovery.finished.length);
  const due = deps.due();
  let erased = 0;
  let failed = 0;
  if (due.length > 0) {
    const alerts = await alertIdsByCustomer(deps.store, new Set(due));
    const erasureDeps: ErasureDeps = {
      store: deps.store,
      keys: deps.keys,
      retentionDays: deps.retentionDays,
      alertIdsOf: (customerId) => alerts.get(customerId) ?? [],
      clock: deps.clock,
    };
    for (const customerId of due) {
      if (deps.signal?.aborted) break;
      try {
        await eraseCustomer(erasureDeps, {
          customerId,
          reason: RETENTION_REASON,
          by: RETENTION_ACTOR,
        });
        erased += 1;
        deps.metrics?.erased('erased');
      } catch (error) {
        failed += 1;
        deps.metrics?.erased('failed');
        // The error names the customer: log its kind only.
        deps.logger.error(
          { errorName: (error as Error).name },
          'retention: erasing a due customer failed; the next run tries again',
        );
      }
    }
  }
  const result = { erased, failed, recovered: recovery.finished.length };
  if (due.length > 0 || recovery.finished.length + recovery.aborted.length > 0) {
    deps.logger.info(
      { ...result, due: due.length, aborted: recovery.aborted.length },
      'retention run',
    );
  }
  return result;
}
