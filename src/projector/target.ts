/**
 * Applying events to one generation of one projection, in two steps. `stageAll` evolves documents
 * in memory (reading the ones it needs), outside any write transaction; `flush` writes every
 * staged document once, in key order, with the new checkpoint, inside the caller's write
 * transaction, after checking the generation's checkpoint is still the one staging started
 * from (the fence against another process writing the same generation). The cache and the
 * in-memory checkpoint move only once the transaction has committed.
 */
import type { Statement } from 'better-sqlite3';
import type { Projection } from '../../projections/projection.js';
import type { Position, RecordedEvent } from '../store/eventStore.js';
import {
  createDocumentStore,
  EMPTY_DOC,
  STORED_ROW_DOC,
  type Doc,
  type DocumentStore,
} from '../readmodel/documents.js';
import type { Generation, GenerationState } from '../readmodel/generations.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
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
    },
  };
}

export interface StageOptions {
  readonly onError: OnError;
  readonly now: string;
}

interface Staging {
  readonly target: Target;
  readonly pending: Pending;
  readonly from: Position | undefined;
  readonly keys: readonly (string | undefined | Error)[];
  /** Per event, the staged document its key names (one map lookup per event, not two). */
  readonly staged: readonly (Staged | undefined)[];
  stopped: boolean;
}

/**
 * Evolves the staged documents of several targets with `events` (those after each one's staged
 * checkpoint), event by event: each event goes to every target before the next is read, so
 * what the projections derive from it (its parsed body above all, eventFacts.ts) is computed
 * once and dies young instead of living through a whole page. The targets are independent.
 * Returns, per target, false once a poison event stopped it (nothing after it is staged).
 */
export function stageAll(
  entries: readonly { readonly target: Target; readonly pending: Pending }[],
  events: readonly RecordedEvent[],
  options: StageOptions,
): boolean[] {
  // Keys first, so every document the events need is read in a few statements.
  const keys = keysOf(entries, events);
  const stagings = entries.map(({ target, pending }, at): Staging => {
    if (pending.poison?.action === 'stopped') {
      return { target, pending, from: undefined, keys: [], staged: [], stopped: true };
    }
    const staged = loadMissing(target, pending, keys[at]!, events);
    return { target, pending, from: pending.checkpoint, keys: keys[at]!, staged, stopped: false };
  });
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    for (const staging of stagings) {
      if (staging.stopped) continue;
      const { target, pending, from } = staging;
      if (from !== undefined && event.position <= from) continue;
      const key = staging.keys[index];
      try {
        if (key instanceof Error) throw key;
        if (key !== undefined) {
          const entry = staging.staged[index]!;
          const { projection } = target;
          const state = entry.state;
          const next =
            entry.owned && projection.evolveOwned !== undefined
              ? projection.evolveOwned(state, event)
              : projection.evolve(state, event);
          // evolve returns its input or a new state (projection.ts): a new one is ours.
          if (next !== state) {
            entry.owned = next !== undefined;
            // Writing a row-only document needs nothing of the stored state (documents.ts): a
            // rebuild re-reading spilled documents would otherwise hold each one twice.
            if (target.documents.rowOnly && entry.before.state !== undefined) {
              entry.before = STORED_ROW_DOC;
            }
          }
          entry.state = next;
          pending.applied += 1;
        }
      } catch (error) {
        pending.poison = poisonRecord(target, event, error, options);
        pending.poisons.push(pending.poison);
        if (pending.poison.action === 'stopped') {
          staging.stopped = true;
          continue;
        }
      }
      pending.checkpoint = event.position;
      pending.lastRecordedAt = event.recordedAt;
    }
  }
  return stagings.map((staging) => !staging.stopped);
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

/**
 * Per target and event: the event's document key, undefined (not for this projection, or
 * already applied) or the error keyOf threw. Event by event, like the staging itself, so what
 * several projections read their keys from is derived once per event.
 */
function keysOf(
  entries: readonly { readonly target: Target; readonly pending: Pending }[],
  events: readonly RecordedEvent[],
): (string | undefined | Error)[][] {
  const keys = entries.map(() => new Array<string | undefined | Error>(events.length));
  const handles = entries.map(({ target }) => new Set(target.projection.handles));
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    for (let at = 0; at < entries.length; at++) {
      const { target, pending } = entries[at]!;
      const from = pending.checkpoint;
      if (
        (from !== undefined && event.position <= from) ||
        !handles[at]!.has(event.type) ||
        pending.poison?.action === 'stopped'
      ) {
        continue;
      }
      try {
        keys[at]![index] = target.projection.keyOf(event);
      } catch (error) {
        keys[at]![index] = error instanceof Error ? error : new Error(String(error));
      }
    }
  }
  return keys;
}

/** Stages the document of every key (reading the missing ones); returns them per event. */
function loadMissing(
  target: Target,
  pending: Pending,
  keys: readonly (string | undefined | Error)[],
  events: readonly RecordedEvent[],
): (Staged | undefined)[] {
  const missing: string[] = [];
  const { projection } = target;
  const staged = new Array<Staged | undefined>(keys.length);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    if (typeof key !== 'string') continue;
    let entry = pending.touched.get(key);
    if (entry === undefined) {
      if (projection.isNewKey?.(key, events[index]!) === true) {
        entry = { before: EMPTY_DOC, state: undefined, owned: false };
        pending.appended += 1;
      } else {
        const cached = target.cache.get(key);
        entry = { before: cached ?? EMPTY_DOC, state: cached?.state, owned: false };
        if (cached === undefined) missing.push(key);
      }
      pending.touched.set(key, entry);
    }
    staged[index] = entry;
  }
  // A generation without a checkpoint has no documents yet: nothing to look up.
  if (pending.base === undefined || missing.length === 0) return staged;
  for (const [key, doc] of target.documents.load(missing.sort())) {
    const entry = pending.touched.get(key)!;
    entry.before = doc;
    entry.state = doc.state;
  }
  return staged;
}

function poisonRecord(
  target: Target,
  event: RecordedEvent,
  error: unknown,
  options: StageOptions,
): PoisonRecord {
  return {
    projection: target.projection.name,
    generation: target.generation,
    position: event.position,
    eventId: event.id,
    eventType: event.type,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    action: options.onError === 'skip' ? 'skipped' : 'stopped',
    recordedAt: options.now,
  };
}
