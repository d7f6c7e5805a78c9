/**
 * Staging: evolving the documents of one or more targets (target.ts) in memory with a page of
 * events, outside any write transaction. Each event's key is computed once per target, the
 * documents the page needs are read in a few statements, and each event then goes to every
 * target before the next one is read. The flush (target.ts) writes what was staged.
 */
import type { RecordedEvent, Position } from '../store/eventStore.js';
import { EMPTY_DOC, STORED_ROW_DOC } from '../readmodel/documents.js';
import type { OnError, Pending, PoisonRecord, Staged, Target } from './target.js';

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
    pending.pages += 1;
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
      const seen = pending.pages;
      if (projection.isNewKey?.(key, events[index]!) === true) {
        entry = { before: EMPTY_DOC, state: undefined, owned: false, seen, appended: true };
        pending.appended += 1;
      } else {
        const cached = target.cache.get(key);
        const state = cached?.state;
        entry = { before: cached ?? EMPTY_DOC, state, owned: false, seen, appended: false };
        if (cached === undefined) missing.push(key);
      }
      pending.touched.set(key, entry);
    } else entry.seen = pending.pages;
    staged[index] = entry;
  }
  // A generation without a checkpoint has no documents yet (unless some were written ahead of
  // it, coldSpill.ts): nothing to look up.
  if ((pending.base === undefined && !pending.ahead) || missing.length === 0) return staged;
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
