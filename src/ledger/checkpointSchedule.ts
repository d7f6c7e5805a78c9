/**
 * The service's checkpoints: one every interval when something was appended since the last,
 * and one at graceful shutdown. A failed checkpoint is logged and retried at the next tick:
 * it never stops ingress.
 */
import type { Logger } from '../lib/logger.js';
import type { Checkpointer } from './checkpointer.js';

export interface CheckpointSchedule {
  /** Stops the timer and makes the shutdown checkpoint (call before closing the store). */
  stop(): Promise<void>;
}

export function startCheckpointSchedule(options: {
  readonly checkpointer: Checkpointer;
  readonly intervalMs: number;
  readonly logger: Logger;
}): CheckpointSchedule {
  const { checkpointer, intervalMs, logger } = options;
  const tick = async (when: string): Promise<void> => {
    try {
      await checkpointer.checkpoint();
    } catch (error) {
      logger.warn({ err: error, when }, 'checkpoint failed');
    }
  };
  const timer = setInterval(() => void tick('interval'), intervalMs);
  timer.unref();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        await tick('shutdown');
      })()),
  };
}
