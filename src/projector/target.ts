/**
 * Applying events to one generation of one projection, in two steps. Staging
 * (stageEvents.ts) evolves documents in memory (reading the ones it needs), outside any write
 * transaction; `flush` writes every staged document once, in key order, with the new
 * checkpoint, inside the caller's write transaction, after checking the generation's checkpoint
 * is still the one staging started from (the fence against another process writing the same
 * generation). The cache and the in-memory checkpoint move only once the transaction has
 * committed. This file owns a target, its staged state and the flush.
 */
import type { Statement } from 'better-sqlite3';
import type { Projection } from '../../projections/projection.js';
import type { Position } from '../store/eventStore.js';
import { createDocumentStore, type Doc, type DocumentStore } from '../readmodel/documents.js';
import type { Generation, GenerationState } from '../readmodel/generations.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import { clearWrittenAhead } from '../readmodel/writtenAhead.js';
import { createStateCache, type StateCache } from './stateCache.js';

export type OnError = 'stop' | 'skip';

export interface PoisonRecord {
  readonly projection: string;
  readonly generation: number;
  readonly position: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly error: string;
  readonly action: 'stopped' | 'skipped';
  readonly recordedAt: string;
}

export interface Target {
  readonly db: ReadModelDb;
  readonly projection: Projection;
  readonly generation: number;
  readonly mode: GenerationState;
  checkpoint: Position | undefined;
  eventsApplied: number;
  /** Set when the projection stopped at a poison event (until restart). */
  poisoned: PoisonRecord | undefined;
  lastAppliedRecordedAt: Date | undefined;
  readonly cache: StateCache<Doc>;
  readonly documents: DocumentStore;
  readonly sql: {
    readonly generation: Statement<
      [string, number],
      { state: GenerationState; checkpoint: string | null }
    >;
    readonly checkpoint: Statement<[string | null, number, string, number]>;
    readonly poison: Statement<unknown[]>;
    readonly resolvePoison: Statement<[string, number, string]>;
  };
}

export function createTarget(
  db: ReadModelDb,
  projection: Projection,
  generation: Generation,
  cacheSize: number,
): Target {
  return {
    db,
    projection,
    generation: generation.generation,
    mode: generation.state,
    checkpoint: generation.checkpoint ?? undefined,
    eventsApplied: generation.eventsApplied,
    poisoned: undefined,
    lastAppliedRecordedAt: undefined,
    cache: createStateCache<Doc>(cacheSize),
    documents: createDocumentStore(db, projection, generation),
    sql: {
      generation: db.prepare(
        'SELECT state, checkpoint FROM projection_generations WHERE projection = ? AND generation = ?',
      ),
      checkpoint: db.prepare(
        `UPDATE projection_generations SET checkpoint = ?, events_applied = events_applied + ?
         WHERE projection = ? AND generation = ?`,
      ),
      poison: db.prepare(
        `INSERT OR REPLACE INTO projection_poison
           (projection, generation, position, event_id, event_type, error, action, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      resolvePoison: db.prepare(
        `DELETE FROM projection_poison
         WHERE projection = ? AND generation = ? AND action = 'stopped' AND position <= ?`,
      ),
    },
  };
}

/** A document being staged: as loaded (or cached), and its state so far. */
export interface Staged {
  /** Set once, when staging finds the document (loaded, cached or new). */
  before: Doc;
  state: unknown;
  /**
   * The state is one evolve returned during this staging (not `before.state`, which the cache
   * may share): the projection's evolveOwned may update it in place.
   */
  owned: boolean;
  /** The staging (page) that last named it: how cold it is (coldSpill.ts). */
  seen: number;
  /** Declared new (isNewKey): a history document nothing will touch again. */
  readonly appended: boolean;
}

/** Documents evolved in memory since the last flush, and where that leaves the checkpoint. */
export interface Pending {
  /** The generation's checkpoint when staging began. */
  readonly base: Position | undefined;
  readonly touched: Map<string, Staged>;
  checkpoint: Position | undefined;
  lastRecordedAt: Date | undefined;
  applied: number;
  /** Staged documents declared new (isNewKey): history rows nothing will touch again. */
  appended: number;
  /** The last poison event met (a stopped one ends the staging). */
  poison: PoisonRecord | undefined;
  /** Every poison event met, skipped ones included: each gets its record. */
  readonly poisons: PoisonRecord[];
  /** Stagings (pages) so far: what `Staged.seen` counts in. */
  pages: number;
  /**
   * Documents were written out without the checkpoint (coldSpill.ts): the generation holds
   * documents ahead of `base`, so loads must look even when it has none, and the flush clears
   * the mark (writtenAhead.ts).
   */
  ahead: boolean;
}

export type BeginOutcome =
  | { readonly kind: 'ready'; readonly pending: Pending }
  /** The generation's checkpoint is behind where the events start: re-read from it. */
  | { readonly kind: 'gap' }
  /** The generation was dropped or switched by someone else: re-sync. */
  | { readonly kind: 'gone' };

/** Starts staging events that come after `after` (exclusive). */
export function begin(target: Target, after: Position | undefined): BeginOutcome {
  const row = target.sql.generation.get(target.projection.name, target.generation);
  if (row === undefined || row.state !== target.mode) return { kind: 'gone' };
  const stored = row.checkpoint ?? undefined;
  if (stored !== target.checkpoint) {
    // Someone else advanced (or rewound) this generation: our cached documents may be stale.
    target.cache.clear();
    target.checkpoint = stored;
  }
  if ((stored ?? '') < (after ?? '')) return { kind: 'gap' };
  return {
    kind: 'ready',
    pending: {
      base: stored,
      touched: new Map(),
      checkpoint: stored,
      lastRecordedAt: undefined,
      applied: 0,
      appended: 0,
      poison: undefined,
      poisons: [],
      pages: 0,
      ahead: false,
    },
  };
}

export type FlushOutcome = 'flushed' | 'gone' | 'conflict';

/**
 * Writes the staged documents (in key order) and the checkpoint; must run inside a write
 * transaction. 'conflict' when the generation moved since `begin`: nothing is written, and
 * the caller stages again from the stored checkpoint. Returns a `commit` to run after COMMIT.
 */
export function flush(
  target: Target,
  pending: Pending,
): { readonly outcome: FlushOutcome; commit(): void } {
  const { projection, sql } = target;
  const row = sql.generation.get(projection.name, target.generation);
  if (row === undefined || row.state !== target.mode) return { outcome: 'gone', commit: nothing };
  if ((row.checkpoint ?? undefined) !== pending.base) {
    return {
      outcome: 'conflict',
      commit() {
        target.cache.clear();
        target.checkpoint = row.checkpoint ?? undefined;
      },
    };
  }
  const keys = [...pending.touched.keys()].sort();
  // Only documents touched again are kept for the cache (many, one per observation, never
  // are), and no more than it holds: a bulk flush writes every staged document of a build, and
  // holding all their rows until COMMIT would double the flush's memory for nothing.
  let existing = 0;
  for (const { before } of pending.touched.values()) if (before.state !== undefined) existing++;
  // The cache would evict all but the last `capacity` of them (keys are written in order).
  let skip = existing - target.cache.capacity;
  const updates: [string, Doc][] = [];
  try {
    for (const key of keys) {
      const { before, state } = pending.touched.get(key)!;
      const doc = target.documents.write(key, before, state);
      if (before.state !== undefined && skip-- <= 0) updates.push([key, doc]);
    }
    // Statements waiting for sealed values (documents.ts) run now, inside the transaction.
    target.documents.finish();
  } catch (error) {
    target.documents.discard();
    throw error;
  }
  const { checkpoint, poison, applied, lastRecordedAt } = pending;
  if (checkpoint !== pending.base) {
    sql.checkpoint.run(checkpoint ?? null, applied, projection.name, target.generation);
    sql.resolvePoison.run(projection.name, target.generation, checkpoint!);
  }
  // Every staged document is written with this checkpoint: none is ahead of it any more.
  if (pending.ahead) {
    clearWrittenAhead(target.db, { projection: projection.name, generation: target.generation });
  }
  for (const p of pending.poisons) {
    sql.poison.run(
      p.projection,
      p.generation,
      p.position,
      p.eventId,
      p.eventType,
      p.error,
      p.action,
      p.recordedAt,
    );
  }
  return {
    outcome: 'flushed',
    commit() {
      for (const [key, doc] of updates) target.cache.set(key, doc);
      target.checkpoint = checkpoint;
      target.eventsApplied += applied;
      if (lastRecordedAt !== undefined) target.lastAppliedRecordedAt = lastRecordedAt;
      if (poison?.action === 'stopped') target.poisoned = poison;
    },
  };
}

function nothing(): void {}
