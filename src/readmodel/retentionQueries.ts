/** Reads of the `retention` projection: whose retention period has passed. */
import type Database from 'better-sqlite3';
import { dueCutoff, erasableFrom } from '../../projections/relationshipEnd.js';
import { holdsAt } from '../../projections/retentionHold.js';
import type { RelationshipEndSource } from '../events/retentionEvents.js';
import { hasView, statement } from './sql.js';

export interface DueCustomer {
  readonly customerId: string;
  /** The end of the business relationship. */
  readonly relationshipEnd: string;
  readonly source: RelationshipEndSource;
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
  /** How many are due, and held, in all (the lists may stop at a limit). */
  readonly dueCount: number;
  readonly heldCount: number;
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
 * no retention hold keeps at `now` are due, the others held; at most `limit` of each are listed,
 * and all are counted. Undefined when the projection has not been built yet, or only in a
 * version before holds.
 */
export function listDueCustomers(
  db: Database.Database,
  now: Date,
  retentionDays: number,
  limit = Number.POSITIVE_INFINITY,
): RetentionDue | undefined {
  if (!knowsHolds(db)) return undefined;
  // Streamed row by row: a long overdue list is counted without being held in memory.
  const rows = statement(
    db,
    `SELECT customer_id, relationship_end, end_source, held, held_until ${PAST_PERIOD}
      ORDER BY relationship_end, customer_id`,
  )
    .raw()
    .iterate(dueCutoff(now, retentionDays)) as IterableIterator<
    [string, string, string, number, string | null]
  >;
  const at = now.toISOString();
  const due: DueCustomer[] = [];
  const held: HeldCustomer[] = [];
  let dueCount = 0;
  let heldCount = 0;
  for (const [customerId, end, source, isHeld, heldUntil] of rows) {
    // The rule erase applies too (retentionHold.ts), not a copy of it in SQL.
    const kept = holdsAt({ held: isHeld === 1, heldUntil }, at);
    if (kept) heldCount += 1;
    else dueCount += 1;
    if ((kept ? heldCount : dueCount) > limit) continue;
    const customer: DueCustomer = {
      customerId,
      relationshipEnd: end,
      source: source as DueCustomer['source'],
      dueSince: erasableFrom(end, retentionDays),
    };
    if (kept) held.push({ ...customer, heldUntil });
    else due.push(customer);
  }
  return { due, held, dueCount, heldCount };
}
