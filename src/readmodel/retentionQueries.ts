/** Reads of the `retention` projection: whose retention period has passed. */
import type Database from 'better-sqlite3';
import { dueCutoff, erasableFrom } from '../../projections/relationshipEnd.js';
import { holdsAt } from '../../projections/retentionHold.js';
import { hasView, statement } from './sql.js';

export interface DueCustomer {
  readonly customerId: string;
  /** The end of the business relationship. */
  readonly relationshipEnd: string;
  readonly source: 'customer.deleted' | 'offboarded';
  /** relationshipEnd + RETENTION_DAYS. */
  readonly dueSince: string;
}

/** A customer whose period has passed but whom a retention hold keeps. */
export interface HeldCustomer extends DueCustomer {
  /** Null: until the hold is released. */
  readonly heldUntil: string | null;
}

export interface RetentionDue {
  /** Erasable now: not held, longest overdue first. */
  readonly due: readonly DueCustomer[];
  /** Past their period, kept by a hold (compilot-ledger hold). */
  readonly held: readonly HeldCustomer[];
}

/** Customers not erased whose relationship ended on or before the bound parameter. */
const PAST_PERIOD = `FROM retention
  WHERE erased_at IS NULL AND relationship_end IS NOT NULL AND relationship_end <= ?`;

/**
 * True when the `retention` projection is built in a version that knows holds. Tables of
 * version 1 still answer while version 2 is built (a version bump rebuilds in the background):
 * they cannot say who is due yet.
 */
function knowsHolds(db: Database.Database): boolean {
  return (
    hasView(db, 'retention') &&
    statement(db, "SELECT 1 FROM pragma_table_info('retention') WHERE name = 'held'").get() !==
      undefined
  );
}

/**
 * Customers not yet erased whose relationship ended at least `retentionDays` before `now`: those
 * no retention hold keeps at `now` are due, the others held; undefined when the projection has
 * not been built yet, or only in a version before holds.
 */
export function listDueCustomers(
  db: Database.Database,
  now: Date,
  retentionDays: number,
): RetentionDue | undefined {
  if (!knowsHolds(db)) return undefined;
  const rows = statement(
    db,
    `SELECT customer_id, relationship_end, end_source, held, held_until ${PAST_PERIOD}
      ORDER BY relationship_end, customer_id`,
  ).all(dueCutoff(now, retentionDays)) as {
    customer_id: string;
    relationship_end: string;
    end_source: string;
    held: number;
    held_until: string | null;
  }[];
  const at = now.toISOString();
  const due: DueCustomer[] = [];
  const held: HeldCustomer[] = [];
  for (const row of rows) {
    const customer: DueCustomer = {
      customerId: row.customer_id,
      relationshipEnd: row.relationship_end,
      source: row.end_source as DueCustomer['source'],
      dueSince: erasableFrom(row.relationship_end, retentionDays),
    };
    // The rule erase applies too (retentionHold.ts), not a copy of it in SQL.
    if (holdsAt({ held: row.held === 1, heldUntil: row.held_until }, at)) {
      held.push({ ...customer, heldUntil: row.held_until });
    } else due.push(customer);
  }
  return { due, held };
}

/** How many {@link listDueCustomers} would list in each group, without building the lists. */
export function countDueCustomers(
  db: Database.Database,
  now: Date,
  retentionDays: number,
): { readonly due: number; readonly held: number } | undefined {
  if (!knowsHolds(db)) return undefined;
  const at = now.toISOString();
  let due = 0;
  let held = 0;
  const rows = statement(db, `SELECT held, held_until ${PAST_PERIOD}`)
    .raw()
    .iterate(dueCutoff(now, retentionDays)) as IterableIterator<[number, string | null]>;
  for (const [isHeld, heldUntil] of rows) {
    if (holdsAt({ held: isHeld === 1, heldUntil }, at)) held += 1;
    else due += 1;
  }
  return { due, held };
}
