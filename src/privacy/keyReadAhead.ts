/**
 * Reading the key store ahead. A rebuild, `verify` or an export reads every customer's events
 * interleaved, so it asks for nearly every data key once, each by a query on its id: a random
 * lookup in two B-trees, ~12 µs a key on the bench machine (0.6 µs an event of the
 * 1,000,000-event bench log, whose 50,000 customers have 20 events each). Once lookups have
 * missed the cache {@link READ_AHEAD_AFTER} times in one turn of the event loop (a page read in
 * bulk; a live service's reads miss a few keys a turn and never trigger it, so its event loop
 * never pays for the scan, ~100 ms for 50,000 keys), the rows of every key are read in one scan
 * instead, provided they all fit the key cache (with more keys than that the cache cannot hold
 * them either, and the rows would only add to the reader's memory). Rows stay wrapped until a
 * lookup asks for them; the key store drops them on any change (keyStore.ts).
 */
import type Database from 'better-sqlite3';
import type { KeyRow } from './keyRecords.js';

/** Cache misses within one turn of the event loop that start the scan. */
export const READ_AHEAD_AFTER = 256;

export class KeyReadAhead {
  private rows: Map<string, KeyRow> | undefined;
  private misses = 0;
  private scanned = false;

  constructor(
    private readonly db: Database.Database,
    private readonly capacity: number,
  ) {}

  /** The row of `keyId` if it was read ahead; a live key's row is handed out once. */
  take(keyId: string): KeyRow | undefined {
    const rows = this.rows;
    if (rows === undefined) return undefined;
    const row = rows.get(keyId);
    // A destroyed key's tombstone is not cached (keyStore.ts): keep answering it from here.
    if (row !== undefined && row.state !== 'destroyed') rows.delete(keyId);
    return row;
  }

  /** A lookup missed both the cache and the rows read ahead. */
  missed(): void {
    if (this.scanned || ++this.misses < READ_AHEAD_AFTER) return;
    this.scanned = true;
    const count = this.db.prepare('SELECT count(*) FROM data_keys').pluck().get() as number;
    if (count > this.capacity) return;
    const rows = new Map<string, KeyRow>();
    for (const row of this.db.prepare('SELECT * FROM data_keys').iterate()) {
      const keyRow = row as KeyRow;
      rows.set(keyRow.key_id, keyRow);
    }
    this.rows = rows;
  }

  /** A new turn of the event loop: misses are counted per turn. */
  newTurn(): void {
    this.misses = 0;
  }

  /** The key store changed: what was read ahead may be stale. */
  clear(): void {
    this.rows = undefined;
    this.misses = 0;
    this.scanned = false;
  }
}
