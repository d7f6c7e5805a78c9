/**
 * The key store's reads of single `data_keys` rows (keyStore.ts), each a statement prepared on
 * first use and kept: a rebuild asks them once per customer, a live service once per new key.
 */
import type Database from 'better-sqlite3';
import type { KeyRow } from './keyRecords.js';

export class KeyRowQueries {
  private byIdQuery: Database.Statement | undefined;
  private liveRowQuery: Database.Statement | undefined;
  private newestQuery: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  /** The subject's live key (active or being erased); a sealing rebuild asks once a customer. */
  liveRow(subject: string): KeyRow | undefined {
    this.liveRowQuery ??= this.db.prepare(
      `SELECT * FROM data_keys WHERE subject = ? AND state <> 'destroyed'`,
    );
    return this.liveRowQuery.get(subject) as KeyRow | undefined;
  }

  /** The subject's newest key, whatever its state. */
  newestRow(subject: string): KeyRow | undefined {
    this.newestQuery ??= this.db.prepare(
      'SELECT * FROM data_keys WHERE subject = ? ORDER BY rowid DESC LIMIT 1',
    );
    return this.newestQuery.get(subject) as KeyRow | undefined;
  }

  /** The row of a key id (a rebuild's lookups miss once per customer before any read-ahead). */
  findById(keyId: string): KeyRow | undefined {
    this.byIdQuery ??= this.db.prepare('SELECT * FROM data_keys WHERE key_id = ?');
    return this.byIdQuery.get(keyId) as KeyRow | undefined;
  }

  /** The row of a key id just read or written by this store (so it exists). */
  rowById(keyId: string): KeyRow {
    return this.findById(keyId)!;
  }
}
