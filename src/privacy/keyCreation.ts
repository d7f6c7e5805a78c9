/**
 * New data keys for appends: the subjects asked for in one turn of the event loop get their keys
 * in one transaction, so many new customers cost one commit, and every key is durable before the
 * append that needs it is acknowledged.
 *
 * The commit's flush to disk runs off the event loop (`durable`, walSync.ts): a steady flow of
 * new customers (5 % of deliveries in bench:ingress's steady mode) would otherwise stall the
 * ingress for a disk flush every other turn. So a key is handed to its waiters once the flush
 * that followed its commit completed, and until then no append may use it (`isSyncing`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DataKey } from './keyCache.js';
import { wrapFailure } from './keyRecords.js';
import { wrapDataKey, type MasterKey } from './masterKey.js';

/** What the key store answers for a subject inside the creating transaction. */
export interface LiveKeys {
  /** The subject's live key, an error refusing new events, or undefined when it has none. */
  existing(subject: string): DataKey | Error | undefined;
  /** A key handed to its waiters (after the commit). */
  handedOut(key: DataKey): void;
}

interface Waiter {
  resolve: (key: DataKey) => void;
  reject: (error: unknown) => void;
}

export class KeyCreation {
  private pending = new Map<string, Waiter[]>();
  private scheduled = false;
  private insert: Database.Statement | undefined;
  private normal: Database.Statement | undefined;
  private full: Database.Statement | undefined;
  /** Keys committed but not yet flushed, with the flush that will cover them. */
  private readonly syncing = new Map<string, number>();
  private flushes = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly master: MasterKey,
    private readonly live: LiveKeys,
    /**
     * Makes the transaction just committed durable; undefined: the transaction commits with the
     * connection's own `synchronous` setting, on the event loop.
     */
    private readonly durable?: () => Promise<void>,
  ) {}

  /** The subject's key, created in this turn's transaction when it has none. */
  request(subject: string): Promise<DataKey> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(subject);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(subject, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const results = new Map<string, DataKey | Error>();
    const created: string[] = [];
    try {
      this.inTransaction(() => {
        const now = new Date().toISOString();
        for (const subject of batch.keys()) {
          const found = this.live.existing(subject);
          if (found !== undefined) results.set(subject, found);
          else {
            const key = this.create(subject, now);
            created.push(key.keyId);
            results.set(subject, key);
          }
        }
      });
    } catch (error) {
      rejectAll(batch, wrapFailure(error));
      return;
    }
    if (this.durable === undefined) {
      this.handOut(batch, results);
      return;
    }
    const flush = ++this.flushes;
    for (const keyId of created) this.syncing.set(keyId, flush);
    this.durable().then(
      () => {
        // The flush covers every commit before it, including those whose own flush failed.
        for (const [keyId, committedIn] of this.syncing) {
          if (committedIn <= flush) this.syncing.delete(keyId);
        }
        this.handOut(batch, results);
      },
      (error: unknown) => rejectAll(batch, wrapFailure(error)),
    );
  }

  /**
   * True while the key's commit is not known to be on disk. The key store may still read the
   * row meanwhile (a projector sealing a value of the subject), so appends ask here before they
   * use a cached key: none may be sealed under a key a crash could lose.
   */
  isSyncing(keyId: string): boolean {
    return this.syncing.has(keyId);
  }

  /** Commits without a flush on this thread when `durable` flushes afterwards. */
  private inTransaction(work: () => void): void {
    if (this.durable === undefined) {
      this.db.transaction(work).immediate();
      return;
    }
    this.normal ??= this.db.prepare('PRAGMA synchronous = NORMAL');
    this.full ??= this.db.prepare('PRAGMA synchronous = FULL');
    this.normal.run();
    try {
      this.db.transaction(work).immediate();
    } finally {
      // Every other write of the key store (erasure, rotation) commits durably on its own.
      this.full.run();
    }
  }

  private handOut(batch: Map<string, Waiter[]>, results: Map<string, DataKey | Error>): void {
    for (const [subject, waiters] of batch) {
      const result = results.get(subject);
      for (const w of waiters) {
        if (result instanceof Error || result === undefined) w.reject(result);
        else {
          this.live.handedOut(result);
          w.resolve(result);
        }
      }
    }
  }

  private create(subject: string, now: string): DataKey {
    const keyId = randomUUID();
    const key = randomBytes(32);
    this.insert ??= this.db.prepare(
      `INSERT INTO data_keys (key_id, subject, state, wrapped, master_key_id, created_at)
       VALUES (?, ?, 'active', ?, ?, ?)`,
    );
    this.insert.run(
      keyId,
      subject,
      wrapDataKey(this.master, key, subject, keyId),
      this.master.id,
      now,
    );
    return { subject, keyId, key };
  }
}

function rejectAll(batch: Map<string, Waiter[]>, error: Error): void {
  for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
}
