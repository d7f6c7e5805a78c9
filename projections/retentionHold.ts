/**
 * Retention holds: an authority (or an investigation) requires a customer's records to be kept
 * past the retention period. A hold runs until a given time or, without one, until released;
 * holds placed while one is in effect extend it (the later time wins, and no end wins over any
 * time); a release ends every hold placed before it. Erasure without an override, `retention
 * due` and RETENTION_ENFORCE all respect it (docs/retention.md).
 */
import {
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
  recordData,
  type RetentionHoldData,
} from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';

export const HOLD_EVENT_TYPES: readonly string[] = [
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
];

/** The hold in effect, if any. */
export interface RetentionHold {
  readonly held: boolean;
  /** Null while held: until released. */
  readonly heldUntil: string | null;
}

export const NO_HOLD: RetentionHold = { held: false, heldUntil: null };

/** The hold after one of the hold records (in log order: the operator's statements). */
export function evolveHold(hold: RetentionHold, event: RecordedEvent): RetentionHold {
  if (event.type === HOLD_RELEASED_EVENT_TYPE) return NO_HOLD;
  const { until } = recordData<RetentionHoldData>(event);
  if (!hold.held) return { held: true, heldUntil: until };
  if (hold.heldUntil === null || until === null) return { held: true, heldUntil: null };
  return { held: true, heldUntil: until > hold.heldUntil ? until : hold.heldUntil };
}

/** True while the hold keeps the customer's data at `now` (ISO time). */
export function holdsAt(hold: RetentionHold, now: string): boolean {
  return hold.held && (hold.heldUntil === null || hold.heldUntil > now);
}
