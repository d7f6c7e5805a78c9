/**
 * Positions of the embedded adapters: a 1-based log sequence number written as a zero-padded
 * 20-digit decimal, so comparing positions as strings gives log order (20 digits hold any
 * unsigned 64-bit value).
 */
import { EventStoreError, type Position } from '../eventStore.js';

const WIDTH = 20;

export function formatSequencePosition(sequence: number): Position {
  return String(sequence).padStart(WIDTH, '0');
}

/** The sequence number of a position this adapter produced; 0 = before the first event. */
export function parseSequencePosition(position: Position | undefined): number {
  if (position === undefined) return 0;
  if (typeof position !== 'string' || !/^\d{1,20}$/.test(position)) {
    throw new EventStoreError(`not a position of this event store: ${String(position)}`);
  }
  const sequence = Number(position);
  if (!Number.isSafeInteger(sequence)) {
    throw new EventStoreError(`position out of range: ${position}`);
  }
  return sequence;
}

/** The position right after `position` (for stores whose positions are gap-free). */
export function nextSequencePosition(position: Position): Position {
  return formatSequencePosition(parseSequencePosition(position) + 1);
}
