/**
 * The one-time `ledger.chained-after-the-fact` record: events written before the ledger existed
 * carry no stored link; the record says which position range they occupy, so verify computes
 * their links itself there and nowhere else.
 */
import type { EventStore } from '../store/eventStore.js';
import { CHAINED_AFTER_THE_FACT, LEDGER_STREAM } from './backfill.js';
import { parseChainedRange, type ChainedRange } from './checkpointFormat.js';

export interface ChainedRecord {
  readonly range: ChainedRange;
  /** Where the record itself is stored. */
  readonly position: string;
}

/** The record, or undefined when the store was never upgraded from a pre-ledger version. */
export async function readChainedRecord(store: EventStore): Promise<ChainedRecord | undefined> {
  const events = await store.readStream(LEDGER_STREAM, { maxCount: 100 });
  const record = events.find((event) => event.type === CHAINED_AFTER_THE_FACT);
  if (record === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(record.data.toString('utf8'));
  } catch {
    throw new Error(`the ${CHAINED_AFTER_THE_FACT} record at ${record.position} is not JSON`);
  }
  return { range: parseChainedRange(data), position: record.position };
}

export function inChainedRange(range: ChainedRange | undefined, position: string): boolean {
  return range !== undefined && position >= range.firstPosition && position <= range.lastPosition;
}
