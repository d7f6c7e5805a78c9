/**
 * Reading the key store ahead. A rebuild, `verify` or an export reads every customer's events
 * interleaved, so it asks for nearly every data key once, each by a query on its id: a random
 * lookup in two B-trees, ~12 µs a key on the bench machine (0.6 µs an event of the
 * 1,000,000-event bench log, whose 50,000 customers have 20 events each). Once the lookups of
 * pages read in bulk (those the decrypt thread opens, parallelDecrypt.ts) have missed the cache
 * {@link READ_AHEAD_AFTER} times, the rows of every key are read in one scan instead (~170 ms
 * for 50,000 keys), provided they all fit the key cache (with more keys than that the cache
 * cannot hold them either, and the rows would only add to the reader's memory). Reads of single
 * streams and small batches, a live service's, never start it. Rows stay wrapped until a
 * lookup asks for them. They are dropped on any change to the key store (keyStore.ts), and after
 * {@link LET_GO_AFTER} turns of the event loop in a row that looked keys up and took none of
 * them: the bulk read is over (or has met every customer it will), and a service that served
 * one keeps no copy of its key store in memory. (Letting go after one such turn let go 134 times
 * in a 1,000,000-event read: pages whose customers are all known are common.)
 *
 * (Counting misses per turn of the event loop instead was tried and missed the point: the bench
 * logs' customers arrive over the whole log, 25-50 new ones a page of 500, so no turn ever
 * reached the threshold.)
 */
import type Database from 'better-sqlite3';
import type { KeyRow } from './keyRecords.js';
import type { ParallelUnwrap } from './parallelUnwrap.js';

/** Cache misses of bulk reads that start the scan. */
export const READ_AHEAD_AFTER = 256;

/** Turns with lookups in a row that take no row before the rows are let go. */
export const LET_GO_AFTER = 64;

export class KeyReadAhead {
  private rows: Map<string, KeyRow> | undefined;
  private misses = 0;
  private scanned = false;
  private takenThisTurn = false;
  private idleTurns = 0;
  private lastTurn: number | undefined;
  /** Keys of rows read ahead that the unwrap thread opened and no lookup took yet. */
  private readonly unwrapped = new Map<string, Buffer>();
  private unwrapping: Promise<void> = Promise.resolve();
  /** Keys lookups took unwrapped by the thread (diagnostics and tests). */
  keysFromThread = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly capacity: number,
    /** Whether the key cache holds a key already (such rows are not kept). */
    private readonly cached: (keyId: string) => boolean,
    /** Unwraps the rows' keys beside the reader (parallelUnwrap.ts); absent: lookups do. */
    private readonly unwrapper?: ParallelUnwrap,
  ) {}

  /** The key of a row read ahead if the unwrap thread opened it already; handed out once. */
  unwrappedKey(keyId: string): Buffer | undefined {
    const key = this.unwrapped.get(keyId);
    if (key === undefined) return undefined;
    this.unwrapped.delete(keyId);
    this.keysFromThread += 1;
    return key;
  }

  /** Settles when the unwrap thread has returned every key of the current read-ahead. */
  unwrapSettled(): Promise<void> {
    return this.unwrapping;
  }

  /** The row of `keyId` if it was read ahead; a live key's row is handed out once. */
  take(keyId: string): KeyRow | undefined {
    const rows = this.rows;
    if (rows === undefined) return undefined;
    const row = rows.get(keyId);
    // A destroyed key's tombstone is not cached (keyStore.ts): keep answering it from here.
    if (row !== undefined && row.state !== 'destroyed') rows.delete(keyId);
    if (row !== undefined) this.takenThisTurn = true;
    return row;
  }

  /** A lookup of a bulk read missed both the cache and the rows read ahead. */
  missed(): void {
    if (this.scanned || ++this.misses < READ_AHEAD_AFTER) return;
    this.scanned = true;
    const count = this.db.prepare('SELECT count(*) FROM data_keys').pluck().get() as number;
    if (count > this.capacity) return;
    const rows = new Map<string, KeyRow>();
    for (const row of this.db.prepare('SELECT * FROM data_keys').iterate()) {
      const keyRow = row as KeyRow;
      if (!this.cached(keyRow.key_id)) rows.set(keyRow.key_id, keyRow);
    }
    this.rows = rows;
    // The turn that read them counts as using them: its bulk read goes on in the next turn.
    this.takenThisTurn = true;
    if (this.unwrapper !== undefined && rows.size > 0) {
      this.unwrapping = this.unwrapper
        .start([...rows.values()], (keyId, key) => {
          // Only for a row still waiting for its lookup. (A cleared read-ahead gets nothing more:
          // clear() cancels the run, and the unwrapper drops a cancelled run's late chunks.)
          if (this.rows?.has(keyId)) this.unwrapped.set(keyId, key);
          else key.fill(0);
        })
        // A failed run only leaves the lookups to unwrap their keys themselves, as before.
        .catch(() => undefined);
    }
  }

  /**
   * Called by every lookup (cache hits included) with the key store's turn of the event loop:
   * the first lookup of a turn starts a new one.
   */
  lookupIn(turn: number): void {
    if (turn === this.lastTurn) return;
    this.lastTurn = turn;
    this.newTurn();
  }

  /** A new turn of the event loop with lookups: rows long unused are let go. */
  newTurn(): void {
    if (this.rows !== undefined) {
      this.idleTurns = this.takenThisTurn ? 0 : this.idleTurns + 1;
      if (this.idleTurns >= LET_GO_AFTER) this.clear();
    }
    this.takenThisTurn = false;
  }

  /** Rows read ahead and not yet handed out (for tests and diagnostics). */
  get size(): number {
    return this.rows?.size ?? 0;
  }

  /** The key store changed: what was read ahead may be stale. */
  clear(): void {
    this.unwrapper?.cancel();
    for (const key of this.unwrapped.values()) key.fill(0);
    this.unwrapped.clear();
    this.rows = undefined;
    this.misses = 0;
    this.scanned = false;
    this.takenThisTurn = false;
    this.idleTurns = 0;
  }
}
