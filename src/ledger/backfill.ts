/**
 * Stores written before the ledger hold events without links. Their chains are computed from
 * content (deterministic; the adapters do it: SQLite's migration 2 sets each stream's head link,
 * KurrentDB computes a head link from the whole stream on the next append) and never rewritten
 * in place; what this module adds is the record that it happened: ONE event of type
 * {@link CHAINED_AFTER_THE_FACT} in the {@link LEDGER_STREAM}, naming how many events were
 * chained after the fact and their position range, so an auditor sees which part of the log
 * was not linked when it was written.
 *
 * Run at every service start; it is cheap when there is nothing to do (one event read) and
 * idempotent (the record has a fixed id, so a second start or a second instance writes nothing).
 */
import type { EventStore, Position } from '../store/eventStore.js';
import { uuidv5 } from '../lib/uuidv5.js';
import type { Logger } from '../lib/logger.js';

export const LEDGER_STREAM = 'ledger';
export const CHAINED_AFTER_THE_FACT = 'ledger.chained-after-the-fact';
/** One record per store, ever: its id is fixed. */
const RECORD_ID = uuidv5(`${LEDGER_STREAM}/${CHAINED_AFTER_THE_FACT}`);
const PAGE = 5000;

export interface ChainedAfterTheFact {
  /** Events stored without a link (written before the ledger). */
  readonly count: number;
  readonly firstPosition: Position;
  readonly lastPosition: Position;
  /** Streams holding at least one of them. */
  readonly streams: number;
  /** ISO 8601 time of the pass. */
  readonly chainedAt: string;
}

export interface BackfillOptions {
  readonly logger?: Logger;
  /** @defaultValue () => new Date() */
  readonly clock?: () => Date;
}

/**
 * Records, once, that the store's pre-ledger events were chained after the fact. Returns the
 * record written now, or undefined when there was nothing to record or it already exists.
 */
export async function recordPreLedgerEvents(
  store: EventStore,
  options: BackfillOptions = {},
): Promise<ChainedAfterTheFact | undefined> {
  // Pre-ledger events precede every linked one in the log (no build without the ledger writes
  // to a store after its migration), so a linked first event means there are none.
  const [first] = await store.readAll({ maxCount: 1 });
  if (first === undefined || first.link !== undefined) return undefined;
  const recorded = await store.readStream(LEDGER_STREAM);
  if (recorded.some((event) => event.id === RECORD_ID)) return undefined;

  const started = performance.now();
  const record = await scan(store, (options.clock ?? (() => new Date()))());
  if (record === undefined) return undefined;
  const result = await store.appendToStream(LEDGER_STREAM, [
    {
      id: RECORD_ID,
      type: CHAINED_AFTER_THE_FACT,
      data: Buffer.from(JSON.stringify(record)),
      metadata: { chainedAt: record.chainedAt },
    },
  ]);
  if (result.duplicate) return undefined; // another instance recorded it meanwhile
  options.logger?.warn(
    { ...record, durationMs: Math.round(performance.now() - started) },
    'events written before the ledger were chained after the fact; recorded in the ledger stream',
  );
  return record;
}

async function scan(store: EventStore, now: Date): Promise<ChainedAfterTheFact | undefined> {
  let count = 0;
  let firstPosition: Position | undefined;
  let lastPosition: Position | undefined;
  const streams = new Set<string>();
  let after: Position | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE });
    for (const event of page) {
      if (event.link !== undefined) continue;
      count += 1;
      firstPosition ??= event.position;
      lastPosition = event.position;
      streams.add(event.streamName);
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.position;
  }
  if (firstPosition === undefined || lastPosition === undefined) return undefined;
  return {
    count,
    firstPosition,
    lastPosition,
    streams: streams.size,
    chainedAt: now.toISOString(),
  };
}
