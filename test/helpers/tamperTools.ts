/**
 * The attacker's tools for the tamper suite (test/helpers/tampers.ts): a copy of the store with
 * its triggers dropped, raw SQL on its events and streams tables, and the failure lines verify
 * prints.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PopulatedLedger } from './ledgerHarness.js';

/**
 * A copy of the populated store in `dir` (with its key store when `withKeyStore`), mutated with
 * every trigger dropped, as anyone with file access can.
 */
export function tamperedCopy(
  ledger: PopulatedLedger,
  dir: string,
  mutate: (db: Database.Database) => void,
  { withKeyStore = false }: { readonly withKeyStore?: boolean } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'events.db');
  copyFileSync(ledger.dbPath, path);
  if (withKeyStore) copyFileSync(join(ledger.dbPath, '../keys.db'), join(dir, 'keys.db'));
  const db = new Database(path);
  try {
    const triggers = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
      .pluck()
      .all() as string[];
    for (const name of triggers) db.exec(`DROP TRIGGER "${name}"`);
    mutate(db);
  } finally {
    db.close();
  }
  return path;
}

export interface Tamper {
  readonly name: string;
  apply(db: Database.Database, ledger: PopulatedLedger): void;
  /** What verify's output must say. */
  readonly expect: RegExp;
}

export interface Row {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
}

/** A stored event as the store wrote it, enough to copy or forge one. */
export interface StoredRow {
  type: string;
  id: string;
  data: Buffer;
  metadata: string;
  link: string | null;
  sha: string | null;
}

export const active = (l: PopulatedLedger) => `customer-${l.activeCustomer}`;
export const gone = (l: PopulatedLedger) => `customer-${l.deletedCustomer}`;
export const alert = (l: PopulatedLedger) => `alert-${l.alertId}`;

export function rows(db: Database.Database, stream: string): Row[] {
  return db
    .prepare<[string], Row>(
      'SELECT position, stream, revision, id, type FROM events WHERE stream = ? ORDER BY revision',
    )
    .all(stream);
}

export function ofType(db: Database.Database, stream: string, type: string): Row {
  const row = rows(db, stream).find((r) => r.type === type);
  if (row === undefined) throw new Error(`no ${type} in ${stream}`);
  return row;
}

/** Runs `sql`; a tamper that changes nothing would prove nothing. */
export function change(db: Database.Database, sql: string, ...params: unknown[]): void {
  const { changes } = db.prepare(sql).run(...params);
  if (changes < 1) throw new Error(`tamper changed nothing: ${sql}`);
}

/** Flips one character of a text column in place (a byte flip an editor would make). */
export function flip(db: Database.Database, column: string, position: number): void {
  const value = db.prepare(`SELECT ${column} FROM events WHERE position = ?`).pluck().get(position);
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  const index = text.length - 3;
  const flipped = text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
  const next = Buffer.isBuffer(value) ? Buffer.from(flipped, 'utf8') : flipped;
  change(db, `UPDATE events SET ${column} = ? WHERE position = ?`, next, position);
}

/** Appends a row the way the store would (next position, streams row moved to it). */
export function insertAtHead(db: Database.Database, stream: string, from: StoredRow): void {
  const revision = (rows(db, stream).at(-1)?.revision ?? -1) + 1;
  change(
    db,
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, link, data_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    stream,
    revision,
    from.id,
    from.type,
    from.data,
    from.metadata,
    new Date().toISOString(),
    from.link,
    from.sha,
  );
  db.prepare(
    `INSERT INTO streams (stream, revision, head_link) VALUES (?, ?, ?)
     ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, head_link = excluded.head_link`,
  ).run(stream, revision, from.link);
}

export function rowStream(db: Database.Database, position: number): string {
  return db.prepare('SELECT stream FROM events WHERE position = ?').pluck().get(position) as string;
}

export function storedRow(db: Database.Database, position: number): StoredRow {
  return db
    .prepare(
      'SELECT type, id, data, metadata, link, data_sha256 AS sha FROM events WHERE position = ?',
    )
    .get(position) as StoredRow;
}

export const ROOT =
  /FAIL checkpoint: Merkle root as of position \d+ is [0-9a-f]{64}, the checkpoint signed/;
export const LINK =
  /FAIL link: \S+ revision \d+ \(position \d+, event [-0-9a-f]+\): the stored link does not match/;
