/**
 * Read-model queries: the stable API the audit routes and CLI call. Each reads the views that
 * point at the projections' live generations, so a rebuild switching underneath is invisible
 * (one statement sees either the old tables or the new). Before a projection's first build has
 * finished its view does not exist and queries answer as for an empty read model.
 * Results are plain JSON-ready objects.
 */
import type Database from 'better-sqlite3';
import type { Page } from './cursor.js';
import { afterKey, checkLimit, hasView, page, statement } from './sql.js';
import { decodeCustomer, type CustomerState } from '../../projections/customerState.js';
import { decodeKyc, kycEntries, type KycHistoryEntry } from '../../projections/kycHistory.js';
import type { AlertState } from '../../projections/alerts.js';
import type { Evidence } from '../../projections/eventFacts.js';
import { walletKey } from '../../projections/wallets.js';
import { ERASED, blindKey, openColumn } from './sealedColumns.js';

type Db = Database.Database;

export { InvalidCursorError } from './cursor.js';

export type { Page } from './cursor.js';

/** Alerts not deleted and not Closed count as open. */
export const CLOSED_ALERT_STATUS = 'Closed';

export interface CustomerRecord extends CustomerState {
  readonly openAlertCount: number;
  readonly alertCounts: Readonly<Record<string, number>>;
}

export interface CustomerSummary {
  readonly customerId: string;
  readonly externalCustomerId: string | null;
  readonly status: string | null;
  readonly riskScore: string | null;
  readonly onboardingLevel: string | null;
  readonly type: string | null;
  readonly deleted: boolean;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly openAlertCount: number;
}

/** The alert as the projection keeps it, with its evidence grouped for answers. */
export type AlertRecord = Omit<AlertState, 'evidence' | 'tie' | 'deletedEvidence'> & {
  readonly evidence: { readonly current: Evidence; readonly deleted: Evidence | null };
};

export interface WalletOwner {
  readonly customerId: string;
  readonly address: string;
  readonly namespace: string | null;
  readonly verified: boolean | null;
  /** `details` (the customer's wallets per ComPilot) or the webhook type that evaluated it. */
  readonly source: string;
}

export interface ListCustomersOptions {
  readonly status?: string;
  readonly riskScore?: string;
  /** Include deleted customers. @defaultValue true */
  readonly includeDeleted?: boolean;
  readonly limit: number;
  readonly cursor?: string;
  /** Cap on the serialised page. @defaultValue PAGE_MAX_BYTES (8 MiB) */
  readonly maxBytes?: number;
}

export interface ListAlertsOptions {
  readonly customerId?: string;
  readonly status?: string;
  /** @defaultValue false */
  readonly includeDeleted?: boolean;
  readonly limit: number;
  readonly cursor?: string;
  /** Cap on the serialised page. @defaultValue PAGE_MAX_BYTES (8 MiB) */
  readonly maxBytes?: number;
}

export function getCustomer(db: Db, customerId: string): CustomerRecord | undefined {
  if (!hasView(db, 'customers')) return undefined;
  const stored = statement(db, 'SELECT doc FROM customers WHERE customer_id = ?')
    .pluck()
    .get(customerId) as string | undefined;
  if (stored === undefined) return undefined;
  // A document whose data key is destroyed answers as unknown (the erasure leaves a stub).
  const doc = openColumn(db, 'customers', 'doc', customerId, stored);
  if (doc === ERASED) return undefined;
  const alertCounts = alertCountsByStatus(db, customerId);
  return { ...decodeCustomer(doc), openAlertCount: openCount(alertCounts), alertCounts };
}

export function listCustomers(db: Db, options: ListCustomersOptions): Page<CustomerSummary> {
  if (!hasView(db, 'customers')) return { items: [], nextCursor: null };
  const where: string[] = ['customer_id > ?'];
  const params: unknown[] = [afterKey(options.cursor)];
  if (options.status !== undefined) {
    where.push('status = ?');
    params.push(options.status);
  }
  if (options.riskScore !== undefined) {
    where.push('risk_score = ?');
    params.push(options.riskScore);
  }
  if (options.includeDeleted === false) where.push('deleted = 0');
  const limit = checkLimit(options.limit);
  const rows = statement(
    db,
    `SELECT customer_id, external_customer_id, status, risk_score, onboarding_level, type, deleted,
            created_at, updated_at
     FROM customers WHERE ${where.join(' AND ')} ORDER BY customer_id LIMIT ?`,
  ).all(...params, limit + 1) as {
    customer_id: string;
    external_customer_id: string | null;
    status: string | null;
    risk_score: string | null;
    onboarding_level: string | null;
    type: string | null;
    deleted: number;
    created_at: string | null;
    updated_at: string | null;
  }[];
  return page(
    rows,
    limit,
    (row) => row.customer_id,
    (row) => ({
      customerId: row.customer_id,
      externalCustomerId: row.external_customer_id,
      status: row.status,
      riskScore: row.risk_score,
      onboardingLevel: row.onboarding_level,
      type: row.type,
      deleted: row.deleted === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      openAlertCount: openCount(alertCountsByStatus(db, row.customer_id)),
    }),
    options.maxBytes,
  );
}

/** The customer's KYC history in ComPilot time order; empty for an unknown customer. */
export function getKycHistory(db: Db, customerId: string): KycHistoryEntry[] {
  if (!hasView(db, 'kyc_observations')) return [];
  const docs = statement(db, 'SELECT doc FROM kyc_observations WHERE customer_id = ?')
    .pluck()
    .all(customerId) as string[];
  const opened = docs.map((doc) => openColumn(db, 'kyc_observations', 'doc', customerId, doc));
  return kycEntries(
    customerId,
    opened.filter((doc) => doc !== ERASED).map((doc) => decodeKyc(doc).observation),
  );
}

// The alert's personal data (the customer's external id, the reason, the tags) is only in its
// sealed document: one cipher a row.
const ALERT_COLUMNS = `alert_id, customer_id, status, severity, workflow_name, workflow_id,
  scenario_alert_count, created_at, updated_at, deleted, deleted_at, last_position, doc`;

interface AlertRow {
  alert_id: string;
  customer_id: string | null;
  status: string | null;
  severity: string | null;
  workflow_name: string | null;
  workflow_id: string | null;
  scenario_alert_count: number | null;
  created_at: string | null;
  updated_at: string | null;
  deleted: number;
  deleted_at: string | null;
  last_position: string;
  doc: string;
}

export function getAlert(db: Db, alertId: string): AlertRecord | undefined {
  if (!hasView(db, 'alerts')) return undefined;
  const row = statement(db, `SELECT ${ALERT_COLUMNS} FROM alerts WHERE alert_id = ?`).get(
    alertId,
  ) as AlertRow | undefined;
  return row && toAlert(db, row);
}

export function listAlerts(db: Db, options: ListAlertsOptions): Page<AlertRecord> {
  if (!hasView(db, 'alerts')) return { items: [], nextCursor: null };
  const where: string[] = ['alert_id > ?'];
  const params: unknown[] = [afterKey(options.cursor)];
  if (options.customerId !== undefined) {
    where.push('customer_id = ?');
    params.push(options.customerId);
  }
  if (options.status !== undefined) {
    where.push('status = ?');
    params.push(options.status);
  }
  if (options.includeDeleted !== true) where.push('deleted = 0');
  const limit = checkLimit(options.limit);
  const rows = statement(
    db,
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY alert_id LIMIT ?`,
  ).all(...params, limit + 1) as AlertRow[];
  return page(
    rows,
    limit,
    (row) => row.alert_id,
    (row) => toAlert(db, row),
    options.maxBytes,
  );
}

/**
 * Customers owning a wallet: EVM addresses match case-insensitively, others exactly. With
 * sealing, `address_key` holds a blind index, so the lookup compares blind indexes and the
 * order by the plaintext key is restored after opening the addresses.
 */
export function findWalletOwners(db: Db, address: string): WalletOwner[] {
  if (!hasView(db, 'wallet_index')) return [];
  const keys = [walletKey(address, null), address];
  // Both forms: a generation built before sealing (still serving until its rebuild switches)
  // holds plaintext keys. Only parameters: nothing plaintext is stored by asking.
  const rows = statement(
    db,
    `SELECT customer_id, address, namespace, verified, source FROM wallet_index
     WHERE address_key IN (?, ?, ?, ?) ORDER BY customer_id, address_key`,
  ).all(...keys, ...keys.map((key) => blindKey(db, 'wallet_index', 'address_key', key))) as {
    customer_id: string;
    address: string;
    namespace: string | null;
    verified: number | null;
    source: string;
  }[];
  const opened = rows
    .map((row) => ({
      ...row,
      address: openColumn(db, 'wallet_index', 'address', row.customer_id, row.address),
    }))
    .filter((row): row is typeof row & { address: string } => row.address !== ERASED)
    .map((row) => ({ row, key: walletKey(row.address, row.namespace) }))
    .sort((a, b) => compareText(a.row.customer_id, b.row.customer_id) || compareText(a.key, b.key))
    .map(({ row }) => row);
  return opened.map((row) => ({
    customerId: row.customer_id,
    address: row.address,
    namespace: row.namespace,
    verified: row.verified === null ? null : row.verified === 1,
    source: row.source,
  }));
}

/** Alerts of a customer by status, deleted alerts excluded. */
export function alertCountsByStatus(db: Db, customerId: string): Record<string, number> {
  if (!hasView(db, 'alerts')) return {};
  const rows = statement(
    db,
    `SELECT coalesce(status, 'unknown') AS status, count(*) AS n FROM alerts
     WHERE customer_id = ? AND deleted = 0 GROUP BY 1 ORDER BY 1`,
  ).all(customerId) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

function openCount(counts: Readonly<Record<string, number>>): number {
  return Object.entries(counts)
    .filter(([status]) => status !== CLOSED_ALERT_STATUS)
    .reduce((sum, [, n]) => sum + n, 0);
}

/** SQLite's default (binary) text order, which ORDER BY used before sealing. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function toAlert(db: Db, row: AlertRow): AlertRecord {
  const opened = openColumn(db, 'alerts', 'doc', row.customer_id, row.doc);
  // An alert whose customer's key is destroyed keeps its ids, status and dates; the customer's
  // external id, the reason, the tags and the evidence (all in the sealed document) read as
  // absent.
  const state =
    opened === null || opened === ERASED ? undefined : (JSON.parse(opened) as AlertState);
  return {
    alertId: row.alert_id,
    customerId: row.customer_id,
    externalCustomerId: state?.externalCustomerId ?? null,
    status: row.status,
    severity: row.severity,
    reason: state?.reason ?? null,
    tags: state?.tags ?? [],
    workflowName: row.workflow_name,
    workflowId: row.workflow_id,
    scenarioAlertCount: row.scenario_alert_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deleted: row.deleted === 1,
    deletedAt: row.deleted_at,
    lastEventPosition: row.last_position,
    evidence:
      state === undefined
        ? ({ current: null, deleted: null } as unknown as AlertRecord['evidence'])
        : { current: state.evidence, deleted: state.deletedEvidence },
  };
}
