/**
 * The key store: one random AES-256 data key per data subject (a customer id), wrapped by the
 * master key, in its own SQLite file outside the event log (KEY_STORE_URL).
 *
 * - A destroyed key is overwritten with zeros (secure_delete) and the WAL truncated after
 *   destroying or re-wrapping keys (`purgeResidue`), so no file keeps the old bytes
 *   (keyStoreFile.ts).
 * - States of a key: `active`; `erasing` (erasure begun: still decrypts, refuses new events, so
 *   the erasure's list of affected events stays complete); `destroyed` (a tombstone: subject,
 *   key id, destroyedAt, no key material). A subject with a destroyed key that gets a new event
 *   gets a new key (a new generation); the old events stay erased.
 * - New keys are durable before the append that needs them is acknowledged; the keys requested
 *   in one tick are created in one transaction (keyCreation.ts).
 * - Unwrapped keys are cached (bounded, first in first out); a change by another process (PRAGMA data_version)
 *   clears the cache, so a key destroyed by `erase` stops decrypting in a running service.
 */
import type Database from 'better-sqlite3';
import { WalSync } from '../lib/walSync.js';
import { KeyCache, type DataKey } from './keyCache.js';
import { KeyCreation } from './keyCreation.js';
import { KeyReadAhead } from './keyReadAhead.js';
import { KeyRowQueries } from './keyRowQueries.js';
import {
  KeyStoreError,
  SubjectErasingError,
  keyInfo,
  type KeyLookup,
  type KeyRow,
  type SealingKey,
  type SubjectKeyInfo,
} from './keyRecords.js';
import { rewrapKeys, type RewrapResult } from './keyRotation.js';
import { checkMasterKey, openKeyDatabase } from './keyStoreFile.js';
import { unwrapDataKey, type MasterKey } from './masterKey.js';
import { ParallelUnwrap } from './parallelUnwrap.js';

/**
 * Unwrapped data keys kept in memory. A rebuild reads every customer's events interleaved, so a
 * cache smaller than the number of customers misses on nearly every event (LRU or FIFO under a cyclic
 * pattern): each miss is a query and an unwrap. 100,000 keys take ~25 MB.
 */
export const DEFAULT_KEY_CACHE_SIZE = 100_000;

export interface OpenKeyStoreOptions {
  readonly path: string;
  readonly master: MasterKey;
  /** Read-only commands never create the file or keys. */
  readonly readOnly?: boolean;
  /** @defaultValue {@link DEFAULT_KEY_CACHE_SIZE} */
  readonly cacheSize?: number;
  /** Only for rotation: the store's keys are still wrapped by the previous master key. */
  readonly skipMasterKeyCheck?: boolean;
}

export class KeyStore {
  private readonly db: Database.Database;
  private readonly cache: KeyCache;
  private readonly readAhead: KeyReadAhead;
  private dataVersion = 0;
  private dataVersionQuery: Database.Statement | undefined;
  private readonly rows: KeyRowQueries;
  private freshThisTurn = false;
  /** Turns of the event loop that asked the store something (the read-ahead counts them). */
  private turn = 0;
  private readonly creation: KeyCreation;
  /** Flushes new keys' commits off the event loop (walSync.ts); undefined without a WAL. */
  private readonly walSync: WalSync | undefined;

  constructor(private readonly options: OpenKeyStoreOptions) {
    this.db = openKeyDatabase(options.path, options.readOnly ?? false);
    this.rows = new KeyRowQueries(this.db);
    const cacheSize = options.cacheSize ?? DEFAULT_KEY_CACHE_SIZE;
    this.cache = new KeyCache(cacheSize);
    this.readAhead = new KeyReadAhead(
      this.db,
      cacheSize,
      (keyId) => this.cache.get(keyId) !== undefined,
      new ParallelUnwrap(options.master),
    );
    if (this.db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.walSync = new WalSync(options.path);
    }
    this.creation = new KeyCreation(
      this.db,
      options.master,
      {
        existing: (subject) => {
          const row = this.rows.liveRow(subject);
          if (row?.state === 'erasing') return new SubjectErasingError(subject);
          // Cached at once, like any key read: appends skip it until its flush (isSyncing).
          return row === undefined ? undefined : this.remember(row);
        },
        handedOut: (key) => this.cache.set(key, 'active'),
      },
      this.walSync === undefined ? undefined : () => this.walSync!.sync(),
    );
    if (!options.skipMasterKeyCheck) checkMasterKey(this.db, options.master, options.path);
  }

  /** Key rows read ahead and not yet used (keyReadAhead.ts). */
  get keysReadAhead(): number {
    return this.readAhead.size;
  }

  /** Keys lookups took from the unwrap thread instead of unwrapping them (parallelUnwrap.ts). */
  get keysUnwrappedAhead(): number {
    return this.readAhead.keysFromThread;
  }

  /** Settles once the unwrap thread returned the current read-ahead's keys (for tests). */
  unwrapSettled(): Promise<void> {
    return this.readAhead.unwrapSettled();
  }

  get masterKeyId(): string {
    return this.options.master.id;
  }

  /**
   * Once per event-loop turn at most: a change another process commits during one turn is
   * indistinguishable from one committed just after it, and ingress appends many events a turn.
   */
  private freshen(): void {
    if (this.freshThisTurn) return;
    this.freshThisTurn = true;
    setImmediate(() => {
      this.freshThisTurn = false;
      this.turn += 1;
    });
    // A prepared statement: this runs for every append and read of an encrypted event.
    this.dataVersionQuery ??= this.db.prepare('PRAGMA data_version').pluck();
    const version = this.dataVersionQuery.get() as number;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.cache.clear();
      this.readAhead.clear();
    }
  }

  /** The subject's cached active key, without waiting: undefined means ask keyForAppend. */
  cachedKeyForAppend(subject: string): DataKey | undefined {
    this.freshen();
    const cached = this.cache.getLive(subject);
    return cached === undefined || this.creation.isSyncing(cached.keyId) ? undefined : cached;
  }

  /** The key to encrypt a new event of `subject` with; created (durably) when there is none. */
  keyForAppend(subject: string): Promise<DataKey> {
    const cached = this.cachedKeyForAppend(subject);
    if (cached !== undefined) return Promise.resolve(cached);
    // A key not yet flushed comes back once a flush that covers it completed.
    return this.creation.request(subject);
  }

  /** The subject's key if it is active (not being erased): what new values are sealed under. */
  activeKey(subject: string): DataKey | undefined {
    this.freshen();
    const cached = this.cache.getLive(subject);
    if (cached !== undefined) return cached;
    const row = this.rows.liveRow(subject);
    return row?.state === 'active' && row.wrapped !== null ? this.remember(row) : undefined;
  }

  /**
   * What a new read-model value of `subject` is sealed under: its live key, active or being
   * erased (data decrypted while an erasure runs must go with the key it was encrypted under),
   * else the id of its destroyed key (the value is stored shredded: it reads as erased), else
   * undefined (a subject that never had a key: events stored before encryption).
   */
  sealingKey(subject: string): SealingKey | undefined {
    this.freshen();
    const cached = this.cache.getLive(subject);
    if (cached !== undefined) return { kind: 'live', key: cached };
    const row = this.rows.liveRow(subject);
    if (row !== undefined && row.wrapped !== null) return { kind: 'live', key: this.remember(row) };
    const newest = this.rows.newestRow(subject);
    return newest?.state === 'destroyed' ? { kind: 'destroyed', keyId: newest.key_id } : undefined;
  }

  /**
   * Looks a key up by the id an event's metadata names (read paths). `bulk`: the read is a large
   * page (a rebuild, verify, an export), whose misses may start a read-ahead (keyReadAhead.ts).
   */
  lookup(keyId: string, bulk = false): KeyLookup {
    this.freshen();
    this.readAhead.lookupIn(this.turn);
    const cached = this.cache.get(keyId);
    // The cache entry is itself a lookup answer: no object per call (a rebuild asks per event).
    if (cached !== undefined) return cached;
    // Before any read-ahead there are no rows to take; the miss that starts one finds its own
    // row in it.
    if (bulk) this.readAhead.missed();
    const row = this.readAhead.take(keyId) ?? this.rows.findById(keyId);
    if (row === undefined) return { state: 'missing' };
    if (row.state === 'destroyed')
      return { state: 'destroyed', destroyedAt: row.destroyed_at ?? '' };
    return { state: row.state, key: this.remember(row) };
  }

  /** The state of the subject's newest key; undefined for a subject that never had one. */
  state(subject: string): SubjectKeyInfo | undefined {
    const row = this.rows.newestRow(subject);
    return row === undefined ? undefined : keyInfo(row);
  }

  /** Every key (each subject's generations, oldest first); for erasure and retention. */
  *subjects(): IterableIterator<SubjectKeyInfo> {
    for (const row of this.db.prepare('SELECT * FROM data_keys ORDER BY rowid').iterate()) {
      yield keyInfo(row as KeyRow);
    }
  }

  /** Step 1 of erasure: the live key stops taking new events (it still decrypts). */
  beginErasure(subject: string): SubjectKeyInfo {
    const row = this.rows.liveRow(subject);
    if (row === undefined) throw new KeyStoreError(`no live data key for subject ${subject}`);
    if (row.state === 'active') {
      this.db
        .prepare(`UPDATE data_keys SET state = 'erasing', erasing_since = ? WHERE key_id = ?`)
        .run(new Date().toISOString(), row.key_id);
      this.cache.delete(row.key_id);
      this.readAhead.clear();
    }
    return keyInfo(this.rows.rowById(row.key_id));
  }

  /** Erasure abandoned before destruction: the key takes new events again. */
  abortErasure(subject: string): SubjectKeyInfo {
    const row = this.rows.liveRow(subject);
    if (row?.state !== 'erasing') throw new KeyStoreError(`subject ${subject} is not being erased`);
    this.db
      .prepare(`UPDATE data_keys SET state = 'active', erasing_since = NULL WHERE key_id = ?`)
      .run(row.key_id);
    this.readAhead.clear();
    return keyInfo(this.rows.rowById(row.key_id));
  }

  /**
   * Last step of erasure: the key material is overwritten (secure_delete) and a tombstone stays.
   * Only from `erasing`, so the erasure record is written first; repeating it is a no-op.
   */
  destroy(subject: string): SubjectKeyInfo {
    const row = this.rows.liveRow(subject);
    if (row === undefined) {
      const last = this.state(subject);
      if (last?.state === 'destroyed') return last;
      throw new KeyStoreError(`no data key for subject ${subject}`);
    }
    if (row.state !== 'erasing') {
      throw new KeyStoreError(`subject ${subject}: begin the erasure before destroying its key`);
    }
    this.db
      .prepare(
        `UPDATE data_keys SET state = 'destroyed', wrapped = NULL, master_key_id = NULL,
                destroyed_at = ? WHERE key_id = ?`,
      )
      .run(new Date().toISOString(), row.key_id);
    this.cache.delete(row.key_id);
    this.readAhead.clear();
    this.purgeResidue();
    return keyInfo(this.rows.rowById(row.key_id));
  }

  /**
   * Moves every committed page into the database file and truncates the WAL, so overwritten key
   * material survives in no file. False when another connection's read kept old frames; call it
   * again once that reader is gone (the next destroy or rotation also does).
   */
  purgeResidue(): boolean {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return result?.busy === 0;
  }

  /**
   * Re-wraps every data key from `previous` to this store's master key in one transaction
   * (all or nothing). Keys already under the new key are left alone, so a repeat is harmless.
   */
  rotate(previous: MasterKey): RewrapResult {
    const result = rewrapKeys(this.db, previous, this.options.master);
    this.cache.clear();
    this.readAhead.clear();
    this.purgeResidue();
    return result;
  }

  close(): void {
    // Ends the unwrap thread, and zeroes the keys it opened that no lookup took.
    this.readAhead.clear();
    this.walSync?.close();
    if (this.db.open) this.db.close();
  }

  private remember(row: KeyRow): DataKey {
    if (row.wrapped === null || row.master_key_id === null) {
      throw new KeyStoreError(`data key ${row.key_id} has no key material`);
    }
    if (row.master_key_id !== this.options.master.id) {
      throw new KeyStoreError(
        `LEDGER_ENCRYPTION_KEY (key id ${this.options.master.id}) did not wrap data key ` +
          `${row.key_id} (key id ${row.master_key_id})`,
      );
    }
    const key: DataKey = {
      subject: row.subject,
      keyId: row.key_id,
      key:
        this.readAhead.unwrappedKey(row.key_id) ??
        unwrapDataKey(this.options.master, row.wrapped, row.subject, row.key_id),
    };
    this.cache.set(key, row.state === 'erasing' ? 'erasing' : 'active');
    return key;
  }
}

export function openKeyStore(options: OpenKeyStoreOptions): KeyStore {
  return new KeyStore(options);
}
