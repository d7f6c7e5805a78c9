/**
 * SQL plumbing of the read-model queries: statements compiled once per connection, view
 * checks, pages and their cursors.
 */
import type Database from 'better-sqlite3';
import { JsonPageBudget, PAGE_MAX_BYTES } from '../lib/jsonPageBudget.js';
import { decodeCursor, encodeCursor, type Page } from './cursor.js';

type Db = Database.Database;

/**
 * At most `limit` of `rows` (which holds up to `limit + 1`, the extra one saying whether more
 * follow), and fewer when the serialised items would take the page over `maxBytes`.
 */
export function page<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => string,
  map: (row: R) => T,
  maxBytes: number = PAGE_MAX_BYTES,
): Page<T> {
  const budget = new JsonPageBudget(maxBytes);
  const items: T[] = [];
  let last: R | undefined;
  for (const row of rows.slice(0, limit)) {
    const item = map(row);
    if (!budget.admit(item)) break;
    items.push(item);
    last = row;
  }
  const more = items.length < rows.length;
  return {
    items,
    nextCursor: more && last !== undefined ? encodeCursor({ after: keyOf(last) }) : null,
  };
}

/** The key after which a read-model list resumes; '' (from the start) without a cursor. */
export function afterKey(cursor: string | undefined): string {
  return cursor === undefined ? '' : decodeCursor(cursor, ['after']).after;
}

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError('limit must be a positive whole number');
  return limit;
}

// Statements are compiled once per connection; SQLite recompiles them itself after a switch.
const statements = new WeakMap<Db, Map<string, Database.Statement>>();

export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (cache === undefined) {
    cache = new Map();
    statements.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (prepared === undefined) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}

export function hasView(db: Db, name: string): boolean {
  return (
    statement(db, "SELECT 1 FROM sqlite_schema WHERE type = 'view' AND name = ?").get(name) !==
    undefined
  );
}
