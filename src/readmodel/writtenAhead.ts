/**
 * Which building generations hold documents written ahead of their checkpoint. A rebuild that
 * outgrows its memory budget writes out only the documents it has not touched for longest (a
 * cold spill, coldSpill.ts) and keeps the others staged, so it cannot commit a checkpoint with
 * them: the stored documents are then a mix of positions. Such a generation is marked, in the
 * transaction that writes them, until a full write commits every staged document with a
 * checkpoint again. A marked generation cannot be resumed from its checkpoint (its events would
 * be applied twice to the documents written ahead): an interrupted rebuild starts it again.
 */
import type { ReadModelDb } from './readModelStore.js';

/** A generation as generations.ts names it. */
interface Named {
  readonly projection: string;
  readonly generation: number;
}

/** Marks the generation; run inside the transaction that writes ahead. */
export function markWrittenAhead(db: ReadModelDb, generation: Named): void {
  db.prepare(
    'INSERT OR IGNORE INTO projection_written_ahead (projection, generation) VALUES (?, ?)',
  ).run(generation.projection, generation.generation);
}

/** Clears the mark; run inside the transaction that commits a checkpoint with every document. */
export function clearWrittenAhead(db: ReadModelDb, generation: Named): void {
  db.prepare('DELETE FROM projection_written_ahead WHERE projection = ? AND generation = ?').run(
    generation.projection,
    generation.generation,
  );
}

/** True when the generation holds documents written ahead of its checkpoint. */
export function isWrittenAhead(db: ReadModelDb, generation: Named): boolean {
  return (
    db
      .prepare<[string, number], number>(
        'SELECT 1 FROM projection_written_ahead WHERE projection = ? AND generation = ?',
      )
      .pluck()
      .get(generation.projection, generation.generation) === 1
  );
}
