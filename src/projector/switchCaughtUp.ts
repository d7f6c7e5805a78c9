/**
 * The end of a build: once it has read the log to its head, each projection's building
 * generation gets its indexes (cheaper once than row by row) and is switched in atomically
 * (generations.ts), unless the live one has applied events it has not (it then reads on).
 */
import type { Logger } from '../lib/logger.js';
import { createIndexes, findGeneration, switchGeneration } from '../readmodel/generations.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { Target } from './target.js';

export interface SwitchOptions {
  readonly db: ReadModelDb;
  readonly logger: Logger;
  readonly now: string;
  /** Told after each switch (the live runner re-reads its generations). */
  readonly onSwitched?: (projection: string, generation: number) => void;
}

/** Indexes and switches each target that is not behind; `finish` hears of each that ended. */
export function switchCaughtUp(
  active: readonly Target[],
  options: SwitchOptions,
  finish: (target: Target, outcome: 'switched' | 'superseded') => void,
): void {
  const { db, logger, now } = options;
  for (const target of [...active]) {
    const generation = findGeneration(db, target.projection.name, target.generation);
    if (generation === undefined) {
      finish(target, 'superseded');
      continue;
    }
    // Indexes in their own transaction, so the switch itself holds the write lock briefly.
    db.transaction(() => createIndexes(db, target.projection, generation)).immediate();
    const outcome = switchGeneration(db, target.projection, target.generation, now);
    if (outcome === 'behind') continue;
    if (outcome === 'gone') {
      finish(target, 'superseded');
      continue;
    }
    logger.info(
      {
        projection: target.projection.name,
        version: target.projection.version,
        generation: target.generation,
        checkpoint: target.checkpoint,
        eventsApplied: target.eventsApplied,
      },
      'rebuilt projection switched in',
    );
    finish(target, 'switched');
    options.onSwitched?.(target.projection.name, target.generation);
  }
}
