import type { Position } from '../eventStore.js';
import { EventStoreError } from '../eventStore.js';

/** A KurrentDB global position: where the event's commit and prepare records sit in the log. */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const WIDTH = 20; // 2^64 - 1 has 20 decimal digits, so fixed width keeps string order = log order
const FORMAT = /^(\d{20})\/(\d{20})$/;
const MAX = (1n << 64n) - 1n;

/**
 * Serialises both parts, commit first, as zero-padded decimals joined by `/`: comparing two such
 * strings gives the same order as KurrentDB's (commit, prepare) order, and nothing is lost (events
 * written together share a commit position and differ only by prepare position).
 */
export function encodePosition(position: LogPosition): Position {
  return `${pad(position.commit)}/${pad(position.prepare)}`;
}

export function decodePosition(position: Position): LogPosition {
  const match = FORMAT.exec(position);
  if (!match) {
    throw new EventStoreError(`not a KurrentDB position: ${JSON.stringify(position)}`);
  }
  const commit = BigInt(match[1]!);
  const prepare = BigInt(match[2]!);
  if (commit > MAX || prepare > MAX) {
    throw new EventStoreError(`KurrentDB position out of range: ${position}`);
  }
  return { commit, prepare };
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function pad(value: bigint): string {
  if (value < 0n || value > MAX)
    throw new EventStoreError(`KurrentDB position out of range: ${value}`);
  return value.toString(10).padStart(WIDTH, '0');
}
