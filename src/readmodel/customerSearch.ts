/**
 * Finding customers by the keys a compliance officer has at hand besides the ComPilot id (the
 * external customer id, an email), the most recently changed customers, and every known one
 * (what `rebuild --refetch` fetches again). Wallet addresses go through `findWalletOwners`,
 * which has its own index.
 */
import type Database from 'better-sqlite3';
import { decodeCustomer } from '../../projections/customerState.js';
import { checkLimit, hasView, statement } from './sql.js';
import { ERASED, openColumn, sealerOf } from './sealedColumns.js';

type Db = Database.Database;

/** At most this many matches are returned by one search. */
const MAX_MATCHES = 50;

/** Customers whose external customer id is exactly `externalCustomerId` (indexed). */
export function findCustomerIdsByExternalId(db: Db, externalCustomerId: string): string[] {
  if (!hasView(db, 'customers')) return [];
  return statement(
    db,
    'SELECT customer_id FROM customers WHERE external_customer_id = ? ORDER BY customer_id LIMIT ?',
  )
    .pluck()
    .all(externalCustomerId, MAX_MATCHES) as string[];
}

/**
 * Customers with `email` among their emails, in any letter case. Emails have no column of their
 * own, so this scans the stored documents (a substring test first, then an exact check of the
 * decoded list): linear in the number of customers, which suits an interactive search.
 * With sealed documents the substring test cannot run in SQL: every document is opened and
 * checked (a decrypting scan, about a microsecond or two more per customer; see
 * docs/projections.md, Sealed columns). Emails get no blind index: the search is rare and
 * interactive, and an index would be one more copy of every email to purge on erasure.
 */
export function findCustomerIdsByEmail(db: Db, email: string): string[] {
  if (!hasView(db, 'customers')) return [];
  const wanted = email.trim().toLowerCase();
  if (wanted === '') return [];
  const rows = (
    sealerOf(db) === undefined
      ? statement(
          db,
          'SELECT customer_id, doc FROM customers WHERE instr(lower(doc), ?) > 0 ORDER BY customer_id',
        ).all(wanted)
      : statement(db, 'SELECT customer_id, doc FROM customers ORDER BY customer_id').all()
  ) as { customer_id: string; doc: string }[];
  return rows
    .map((row) => ({ ...row, doc: openColumn(db, 'customers', 'doc', row.customer_id, row.doc) }))
    .filter((row): row is { customer_id: string; doc: string } => row.doc !== ERASED)
    .filter((row) => decodeCustomer(row.doc).emails.some((e) => e.toLowerCase() === wanted))
    .slice(0, MAX_MATCHES)
    .map((row) => row.customer_id);
}

export interface RecentCustomersOptions {
  readonly status?: string;
  readonly riskScore?: string;
  readonly limit: number;
}

/** Customer ids, most recently changed (by ComPilot time) first. */
export function listRecentCustomerIds(db: Db, options: RecentCustomersOptions): string[] {
  if (!hasView(db, 'customers')) return [];
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.status !== undefined) {
    where.push('status = ?');
    params.push(options.status);
  }
  if (options.riskScore !== undefined) {
    where.push('risk_score = ?');
    params.push(options.riskScore);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return statement(
    db,
    `SELECT customer_id FROM customers ${filter}
     ORDER BY coalesce(updated_at, created_at, '') DESC, customer_id LIMIT ?`,
  )
    .pluck()
    .all(...params, checkLimit(options.limit)) as string[];
}

/** Ids of every customer the live customer-state knows, in order (`rebuild --refetch`). */
export function knownCustomerIds(db: Db): string[] {
  if (!hasView(db, 'customers')) return [];
  return statement(db, 'SELECT customer_id FROM customers ORDER BY customer_id')
    .pluck()
    .all() as string[];
}
