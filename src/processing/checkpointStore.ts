/**
 * Durable processor checkpoints in a SQLite database (the read-model file): the log position up
 * to which a processor has handled every event. Writes only move a checkpoint forwards, so two
 * instances of one processor cannot drag it back.
 */
import type Database from 'better-sqlite3';
import type { Position } from '../store/eventStore.js';

export interface CheckpointStore {
  /** The stored position, or undefined when the processor never checkpointed. */
  get(name: string): Position | undefined;
  /** Stores `position` unless a later one is already stored. */
  set(name: string, position: Position): void;
}

export function createCheckpointStore(
  db: Database.Database,
  options: { readonly clock?: () => Date } = {},
): CheckpointStore {
  const clock = options.clock ?? (() => new Date());
  db.exec(`CREATE TABLE IF NOT EXISTS processor_checkpoints (
    name TEXT PRIMARY KEY,
    position TEXT,
    updated_at TEXT
  )`);
  const select = db.prepare<[string], { position: string | null }>(
    'SELECT position FROM processor_checkpoints WHERE name = ?',
  );
  // Positions compare as strings in every adapter (see Position), hence the text comparison.
  const upsert = db.prepare<[string, string, string]>(
    `INSERT INTO processor_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
     WHERE processor_checkpoints.position IS NULL
        OR processor_checkpoints.position < excluded.position`,
  );
  return {
    get(name) {
      return select.get(name)?.position ?? undefined;
    },
    set(name, position) {
      upsert.run(name, position, clock().toISOString());
    },
  };
}
