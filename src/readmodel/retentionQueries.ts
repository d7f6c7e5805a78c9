/** Reads of the `retention` projection: whose retention period has passed. */
import type Database from 'better-sqlite3';
import { dueCutoff, erasableFrom } from '../../projections/relationshipEnd.js';
import { hasView, statement } from './sql.js';

export interface DueCustomer {
  readonly customerId: string;
  /** The end of the business relationship. */
  readonly relationshipEnd: string;
  readonly source: 'customer.deleted' | 'offboarded';
  /** relationshipEnd + RETENTION_DAYS. */
  readonly dueSince: string;
}

/**
 * Customers not yet erased whose relationship ended at least `retentionDays` before `now` and
 * whom no retention hold keeps at `now`, longest overdue first; undefined when the projection
 * has not been built yet, or only in a version before holds.
 */
export function listDueCustomers(
  db: Database.Database,
  now: Date,
  retentionDays: number,
): DueCustomer[] | undefined {
  if (!hasView(db, 'retention')) return undefined;
  // Tables of version 1 still answer while version 2 is built (a version bump rebuilds in the
  // background): they know no holds, so they cannot say who is due yet.
  if (
    statement(db, "SELECT 1 FROM pragma_table_info('retention') WHERE name = 'held'").get() ===
    undefined
  ) {
    return undefined;
  }
  const cutoff = dueCutoff(now, retentionDays);
  const rows = statement(
    db,
    `SELECT customer_id, relationship_end, end_source FROM retention
      WHERE erased_at IS NULL AND relationship_end IS NOT NULL AND relationship_end <= ?
        AND (held = 0 OR (held_until IS NOT NULL AND held_until <= ?))
      ORDER BY relationship_end, customer_id`,
  ).all(cutoff, now.toISOString()) as {
    customer_id: string;
    relationship_end: string;
    end_source: string;
  }[];
  return rows.map((row) => ({
    customerId: row.customer_id,
    relationshipEnd: row.relationship_end,
    source: row.end_source as DueCustomer['source'],
    dueSince: erasableFrom(row.relationship_end, retentionDays),
  }));
}
