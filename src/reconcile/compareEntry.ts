/**
 * What differs between an entry of `GET /customers` and the ledger's current state of that
 * customer. The list uses snake_case keys (reference `compilot.md` §1.3: `onboarding_level` is
 * CONFIRMED, `status` and `risk_score` INFERRED from the dashboard's columns); a key the entry
 * does not carry is not compared, since absence says nothing about the value.
 */
import type { CustomerListItem } from '../compilot/comPilotTypes.js';

/** The part of the ledger's state reconciliation compares. */
export interface LedgerView {
  readonly status: string | null;
  readonly riskScore: string | null;
  readonly onboardingLevel: string | null;
  /** ComPilot time of the newest fact the ledger applied. */
  readonly updatedAt: string | null;
}

export interface Difference {
  /** `unknown` (not in the ledger), `status`, `riskScore`, `onboardingLevel` or `updatedAt`. */
  readonly field: string;
  readonly ledger: string | null;
  readonly compilot: string | null;
}

const FIELDS = [
  ['status', 'status'],
  ['risk_score', 'riskScore'],
  ['onboarding_level', 'onboardingLevel'],
] as const;

/** Empty when the entry and the ledger agree on everything the entry says. */
export function compareEntry(
  entry: CustomerListItem,
  ledger: LedgerView | undefined,
): Difference[] {
  if (ledger === undefined) return [{ field: 'unknown', ledger: null, compilot: entry.id }];
  const differences: Difference[] = [];
  const record = entry as unknown as Readonly<Record<string, unknown>>;
  for (const [listKey, field] of FIELDS) {
    if (!(listKey in record)) continue;
    const value = textOrNull(record[listKey]);
    if (value !== ledger[field])
      differences.push({ field, ledger: ledger[field], compilot: value });
  }
  const updatedAt = entryUpdatedAt(entry);
  if (updatedAt !== undefined && (ledger.updatedAt === null || updatedAt > ledger.updatedAt)) {
    differences.push({ field: 'updatedAt', ledger: ledger.updatedAt, compilot: updatedAt });
  }
  return differences;
}

/**
 * The entry's update time as an ISO string, when it carries one. The reference lists no update
 * time among the list's fields, so today this is undefined; `updated_at` / `updatedAt` are read
 * in case the real API has one.
 */
export function entryUpdatedAt(entry: CustomerListItem): string | undefined {
  const record = entry as unknown as Readonly<Record<string, unknown>>;
  const raw = record.updated_at ?? record.updatedAt;
  if (typeof raw !== 'string') return undefined;
  const time = new Date(raw);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
