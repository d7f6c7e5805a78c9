/**
 * Cold spills: what a rebuild writes out when its staged documents outgrow the memory budget
 * (stagingBudget.ts). Customers are busy for a while and then quiet (in the 1,000,000-event
 * bench log half of them span less than a fifth of the log), so most of what is staged when the
 * budget is reached will never be touched again, and what was touched last is what will be.
 * A cold spill writes the tenth of the documents named longest ago (and every history
 * document) and keeps the rest staged, where writing everything out would read most of the busy
 * ones back and write them again at the next spill. In a simulation of that log's customer
 * streams with room for the ~27,500 documents the default budget holds, keeping nine tenths
 * made 59,000 document writes and 9,000 reads back (three quarters: 66,000 and 16,000; half:
 * 79,000 and 29,000) instead of 104,000 and 54,000. The rebuild of that log ran 15-18 % faster
 * in alternated pairs on an idle VM, plaintext and encrypted alike, and 3-10 % in the bench's
 * harness under load. At 5,000,000 events (250,000 customers, more of them busy at once than
 * the budget holds) it was 10 % slower in one pair: a spill that frees a tenth comes back every
 * ~13,000 events (docs/performance.md). Each spill's commit rewrites into the WAL every page of
 * the tables it touches, however few documents it writes, so spills that come close together cost
 * more than the documents they keep save: a spill that comes within {@link SPILL_GAP_EVENTS}
 * of the previous one writes twice the share the previous one did (up to half), and the share
 * falls back as spills grow rare ({@link nextColdShare}).
 *
 * The documents kept staged cannot be written with a checkpoint, so the ones written out are
 * ahead of the generation's checkpoint. The generation is marked so in the same transaction
 * (writtenAhead.ts) until a full write commits every document with a checkpoint again: a build
 * interrupted in between (a crash; an aborted build writes everything first) is started again
 * instead of resumed.
 */
import { markWrittenAhead } from '../readmodel/writtenAhead.js';
import type { Pending, Target } from './target.js';

/**
 * The share of the other staged documents a cold spill writes at first and at least: it keeps
 * the rest, those named most recently.
 */
export const COLD_SHARE = 0.1;
/** The most a cold spill writes of the other staged documents: the half named longest ago. */
export const MAX_COLD_SHARE = 0.5;
/**
 * Spills this many events apart or more cost a build a few percent (a spill of the 5,000,000-event
 * bench log takes ~0.1 s, the events between two such spills 2-3 s); every ~13,000 events, they
 * made it 10 % slower.
 */
export const SPILL_GAP_EVENTS = 50_000;

/**
 * The share of the other staged documents the next cold spill writes, from the share the
 * previous one wrote and the events read since: twice as much when it comes back within
 * `gap` events, half as much when it stayed away four times that long, within
 * {@link COLD_SHARE} and {@link MAX_COLD_SHARE}. The first spill (no previous) writes `share`.
 */
export function nextColdShare(
  share: number,
  eventsSincePrevious: number | undefined,
  gap = SPILL_GAP_EVENTS,
): number {
  if (eventsSincePrevious === undefined) return share;
  if (eventsSincePrevious < gap) return Math.min(MAX_COLD_SHARE, share * 2);
  if (eventsSincePrevious >= 4 * gap) return Math.max(COLD_SHARE, share / 2);
  return share;
}

/**
 * The keys a cold spill writes, in key order: every history document (isNewKey: nothing
 * touches it again) and the others named longest ago, all but `kept` of them.
 */
export function coldKeys(pending: Pending, kept: number): string[] {
  const keys: string[] = [];
  const others: [seen: number, key: string][] = [];
  for (const [key, entry] of pending.touched) {
    if (entry.appended) keys.push(key);
    else others.push([entry.seen, key]);
  }
  // Stable: among documents named in the same page, the one staged first goes first.
  others.sort((a, b) => a[0] - b[0]);
  // Rounded down: a spill that keeps less than all frees at least one document.
  const spilled = others.length - Math.floor(others.length * kept);
  for (let index = 0; index < spilled; index++) keys.push(others[index]![1]);
  return keys.sort();
}

/**
 * Writes the staged documents of `keys` without a checkpoint and drops them from the staging
 * (a later event reads them back). 'moved' (nothing written) when the generation is gone or
 * another writer moved its checkpoint since staging began: the caller's full flush sorts that
 * out, as it does for any flush.
 */
export function spillCold(
  target: Target,
  pending: Pending,
  keys: readonly string[],
): 'spilled' | 'moved' {
  const { db, projection, sql } = target;
  const outcome = db
    .transaction((): 'spilled' | 'moved' => {
      const row = sql.generation.get(projection.name, target.generation);
      if (row === undefined || row.state !== target.mode) return 'moved';
      if ((row.checkpoint ?? undefined) !== pending.base) return 'moved';
      markWrittenAhead(db, { projection: projection.name, generation: target.generation });
      try {
        for (const key of keys) {
          const { before, state } = pending.touched.get(key)!;
          target.documents.write(key, before, state);
        }
        // Statements waiting for sealed values (documents.ts) run now, inside the transaction.
        target.documents.finish();
      } catch (error) {
        target.documents.discard();
        throw error;
      }
      return 'spilled';
    })
    .immediate();
  if (outcome === 'moved') return outcome;
  for (const key of keys) {
    if (pending.touched.get(key)!.appended) pending.appended -= 1;
    pending.touched.delete(key);
    // A document cached from an earlier flush is older than the one just written.
    target.cache.delete(key);
  }
  pending.ahead = true;
  return outcome;
}
