/**
 * Unwinding what the service started, shared by a failed start and by close(): both must run
 * every step even when one fails, so the rule lives once, apart from the wiring.
 */
import type { Logger } from '../lib/logger.js';

/** One thing started, and how to stop or close it again. */
export type UndoStep = () => Promise<void> | void;

/** Runs the undo steps last first; one failing does not keep the others from running. */
export async function undoAll(undo: UndoStep[], logger: Logger): Promise<void> {
  for (const step of undo.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      logger.warn({ err: error }, 'a step of the shutdown failed');
    }
  }
}
