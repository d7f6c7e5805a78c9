/**
 * The ledger's side of the comparison. The read model answers for a whole page in one query;
 * since it may lag the log (a snapshot appended but not yet projected, or `reconcile` run while
 * `serve` is down), every customer the read model says differs is re-checked by folding the
 * customer's own stream, so a difference is only ever acted on when the log itself shows it.
 */
import type Database from 'better-sqlite3';
import { hasView, statement } from '../readmodel/sql.js';
import type { LedgerView } from './compareEntry.js';

interface Row {
  customer_id: string;
  status: string | null;
  risk_score: string | null;
  onboarding_level: string | null;
  updated_at: string | null;
}

/** The read model's view of each of `ids` it knows. */
export function readModelViews(
  db: Database.Database,
  ids: readonly string[],
): Map<string, LedgerView> {
  const views = new Map<string, LedgerView>();
  if (ids.length === 0 || !hasView(db, 'customers')) return views;
  const rows = db
    .prepare(
      `SELECT customer_id, status, risk_score, onboarding_level, updated_at FROM customers
       WHERE customer_id IN (${ids.map(() => '?').join(',')})`,
    )
    .all(...ids) as Row[];
  for (const row of rows) {
    views.set(row.customer_id, {
      status: row.status,
      riskScore: row.risk_score,
      onboardingLevel: row.onboarding_level,
      updatedAt: row.updated_at,
    });
  }
  return views;
}

/** Customers the read model holds as not deleted, in id order. */
export function liveLedgerCustomerIds(db: Database.Database): string[] {
  if (!hasView(db, 'customers')) return [];
  return statement(db, 'SELECT customer_id FROM customers WHERE deleted = 0 ORDER BY customer_id')
    .pluck()
    .all() as string[];
}
