/**
 * RETENTION_ENFORCE inside `serve`: a run at start, then the next RETENTION_INTERVAL_MS after
 * each ended. Once the live projections have applied the erasures, they empty the read model's
 * WAL, as after any erasure (src/projector/erasureWal.ts).
 */
import { sleep } from '../lib/sleep.js';
import { eraseDueCustomers, type ErasureRunDeps, type ErasureRunResult } from './erasureRun.js';

export interface RetentionScheduleOptions extends ErasureRunDeps {
  readonly signal: AbortSignal;
  readonly intervalMs: number;
}

export interface RetentionSchedule {
  lastRun(): ErasureRunResult | undefined;
  readonly done: Promise<void>;
}

export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const { logger, signal } = options;
  let last: ErasureRunResult | undefined;
  async function loop(): Promise<void> {
    while (!signal.aborted) {
      try {
        last = await eraseDueCustomers(options);
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ errorName: (error as Error).name }, 'retention run failed');
      }
      await sleep(options.intervalMs, signal).catch(() => undefined);
    }
  }
  const done = loop().catch((error: unknown) => {
    logger.error({ errorName: (error as Error).name }, 'retention job stopped');
  });
  return { lastRun: () => last, done };
}
