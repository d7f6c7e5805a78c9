/**
 * Many targets at once: events are staged for each target outside the write lock, then every
 * target is flushed in one `BEGIN IMMEDIATE` transaction (each with its own checkpoint), and
 * the in-memory side moves on only after COMMIT. A failed transaction changes nothing.
 */
import type { Position, RecordedEvent } from '../store/eventStore.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import {
  begin,
  flush,
  type FlushOutcome,
  type OnError,
  type Pending,
  type PoisonRecord,
  type Target,
} from './target.js';
import { stageAll } from './stageEvents.js';

export interface BatchOptions {
  /** Where the events start (exclusive), to detect a checkpoint behind it. */
  readonly after: Position | undefined;
  readonly onError: OnError;
  readonly now: string;
}

export interface TargetOutcome {
  readonly kind: 'applied' | 'gap' | 'gone' | 'conflict';
  readonly applied: number;
  readonly poison: PoisonRecord | undefined;
}

/** One batch of the live log applied to every target. */
export function applyBatch(
  db: ReadModelDb,
  targets: readonly Target[],
  events: readonly RecordedEvent[],
  options: BatchOptions,
): TargetOutcome[] {
  const staged = targets.map((target) => begin(target, options.after));
  const ready = staged.flatMap((started, index) =>
    started.kind === 'ready' ? [{ target: targets[index]!, pending: started.pending }] : [],
  );
  stageAll(ready, events, options);
  const flushed = flushAll(db, ready);
  return staged.map((started): TargetOutcome => {
    if (started.kind !== 'ready') return { kind: started.kind, applied: 0, poison: undefined };
    const outcome = flushed.get(started.pending)!;
    return outcome === 'flushed'
      ? { kind: 'applied', applied: started.pending.applied, poison: started.pending.poison }
      : { kind: outcome, applied: 0, poison: undefined };
  });
}

/** Flushes staged documents of several targets in one write transaction. */
export function flushAll(
  db: ReadModelDb,
  entries: readonly { readonly target: Target; readonly pending: Pending }[],
): Map<Pending, FlushOutcome> {
  const flushes = db
    .transaction(() => entries.map(({ target, pending }) => flush(target, pending)))
    .immediate();
  const outcomes = new Map<Pending, FlushOutcome>();
  flushes.forEach((flushed, index) => {
    flushed.commit();
    outcomes.set(entries[index]!.pending, flushed.outcome);
  });
  return outcomes;
}
