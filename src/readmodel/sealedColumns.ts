/**
 * Sealed columns: personal values in the read model are stored encrypted under the data key of
 * the customer the row belongs to, so the read-model files hold no name, email or wallet in
 * plaintext (issue 15). The projections only declare which columns are personal
 * (`ColumnSpec.sealed`, `ColumnSpec.blind`, `TableSpec.subject`, `DocumentStorage.sealedByKey`);
 * this module applies the declaration when rows are written and opens values when they are read.
 *
 * The read model owns the port ({@link ReadModelSealer}); src/privacy implements it with the key
 * store (readModelSealer.ts). The sealer of a connection is attached to it once, where the
 * connection is opened ({@link attachSealer}), so the query functions keep their `(db, ...)`
 * signatures. A connection without a sealer (LEDGER_ENCRYPTION=off, tests of projections)
 * stores and reads plaintext, exactly as before.
 */
import type { TableSpec } from '../../projections/projection.js';

/**
 * What a personal column stores: the sealer's binary form (a BLOB), its earlier text form, or
 * plaintext (no sealer, no key). Queries read it as SQLite returns it and open it here.
 */
export type StoredValue = string | Uint8Array;

export interface ReadModelSealer {
  /**
   * `plaintext` sealed under the subject's current data key, bound to `purpose` (the table and
   * column) so a value copied to another row or column fails to open. Returns `plaintext` itself
   * when the subject has no usable key (see docs/retention.md: nothing to protect then).
   */
  seal(subject: string, purpose: string, plaintext: string): StoredValue;
  /** The plaintext of a sealed value, or {@link ERASED} when its key is destroyed. */
  open(subject: string, purpose: string, stored: StoredValue): string | typeof ERASED;
  /** Keyed blind index (HMAC under a key derived from the master key) of an exact value. */
  blind(purpose: string, value: string): string;
  /** True when `stored` has the sealed form (plaintext values pass through `open` unchanged). */
  isSealed(stored: StoredValue): boolean;
  /** Sealing beside the writing thread, for flushes; absent: every value is sealed in place. */
  readonly batch?: SealBatch;
}

/**
 * Sealing in bulk: a flush submits each value to seal and takes its sealed form when the
 * statement that stores it runs, so the ciphers run while later rows are derived and written.
 * Tickets are taken in the order they were submitted, each once, within one flush.
 */
export interface SealBatch {
  /** A ticket for the sealed form of `plaintext`, or the value to store when it is not sealed. */
  submit(subject: string, purpose: string, plaintext: string): number | string;
  /** True when the ticket's value is sealed (never waits). */
  ready(ticket: number): boolean;
  /** The ticket's sealed value; waits for it if needed. */
  take(ticket: number): Uint8Array;
  /** The flush committed or was abandoned: its tickets are void. */
  end(): void;
}

/** Positions of the statement parameters still to be filled from seal tickets: [index, ticket]. */
export type Tickets = [number, number][];

/** What a sealed value whose data key was destroyed reads as. */
export const ERASED: unique symbol = Symbol('erased');

const sealers = new WeakMap<object, ReadModelSealer>();

/** Seals what this connection writes and opens what it reads; undefined keeps plaintext. */
export function attachSealer(db: object, sealer: ReadModelSealer | undefined): void {
  if (sealer === undefined) sealers.delete(db);
  else sealers.set(db, sealer);
}

export function sealerOf(db: object): ReadModelSealer | undefined {
  return sealers.get(db);
}

export function columnPurpose(table: string, column: string): string {
  return `${table}.${column}`;
}

/**
 * How one table's rows are sealed on the way in: seals (in place) the statement parameters
 * `values`, which hold the columns `names` of a row in order (all columns for an upsert, the
 * primary key for a delete). Undefined when nothing in the table is personal. Works on the
 * parameter array, not on a copy of the row: it runs for every row a rebuild writes. Given
 * `tickets` and a sealer with a batch, sealed positions are submitted to the batch instead,
 * left null and listed in `tickets` for the caller to fill before the statement runs.
 */
export type RowSealer = (
  names: readonly string[],
  values: unknown[],
  tickets?: Tickets,
) => unknown[];

export function rowSealerFor(
  table: TableSpec,
  sealer: ReadModelSealer | undefined,
): RowSealer | undefined {
  if (sealer === undefined) return undefined;
  const sealed = new Set(table.columns.filter((c) => c.sealed === true).map((c) => c.name));
  const blind = new Set(table.columns.filter((c) => c.blind === true).map((c) => c.name));
  if (sealed.size === 0 && blind.size === 0) return undefined;
  const subjectColumn = table.subject;
  if (subjectColumn === undefined && sealed.size > 0) {
    throw new Error(`table ${table.name}: sealed columns need a subject column`);
  }
  const purposes = new Map<string, string>();
  for (const name of [...sealed, ...blind]) purposes.set(name, columnPurpose(table.name, name));
  // Per list of names (the table's columns, its primary key): which positions to seal or blind.
  const plans = new Map<
    readonly string[],
    { subject: number; unsealedBy: number; sealed: [number, string][]; blind: [number, string][] }
  >();
  const unsealed = table.unsealedRows?.values;
  const exempt =
    unsealed === undefined
      ? (value: unknown) => value !== null && value !== undefined
      : (value: unknown) => unsealed.includes(value as string);
  const planOf = (names: readonly string[]) => {
    let plan = plans.get(names);
    if (plan === undefined) {
      const at = (set: Set<string>): [number, string][] =>
        names.flatMap((name, i) => (set.has(name) ? [[i, purposes.get(name)!]] : []));
      plan = {
        subject: subjectColumn === undefined ? -1 : names.indexOf(subjectColumn),
        unsealedBy:
          table.unsealedRows === undefined ? -1 : names.indexOf(table.unsealedRows.column),
        sealed: at(sealed),
        blind: at(blind),
      };
      plans.set(names, plan);
    }
    return plan;
  };
  return (names, values, tickets) => {
    const plan = planOf(names);
    for (const [i, purpose] of plan.blind) {
      const value = values[i];
      if (typeof value === 'string') values[i] = sealer.blind(purpose, value);
    }
    if (plan.sealed.length === 0) return values;
    const subject = plan.subject < 0 ? undefined : values[plan.subject];
    // A row naming no customer (an alert without one) has no data key to seal under.
    if (typeof subject !== 'string' || subject === '') return values;
    if (plan.unsealedBy >= 0 && exempt(values[plan.unsealedBy])) return values;
    for (const [i, purpose] of plan.sealed)
      sealParameter(sealer, subject, purpose, values, i, tickets);
    return values;
  };
}

/**
 * Seals the string statement parameter `values[index]` under `subject`'s key: in place, or,
 * given `tickets` and a sealer with a batch, by submitting it, leaving null and listing the
 * position in `tickets` for the caller to fill before the statement runs.
 */
export function sealParameter(
  sealer: ReadModelSealer,
  subject: string,
  purpose: string,
  values: unknown[],
  index: number,
  tickets: Tickets | undefined,
): void {
  const value = values[index];
  if (typeof value !== 'string') return;
  if (tickets === undefined || sealer.batch === undefined) {
    values[index] = sealer.seal(subject, purpose, value);
    return;
  }
  const ticket = sealer.batch.submit(subject, purpose, value);
  if (typeof ticket === 'string') values[index] = ticket;
  else {
    values[index] = null;
    tickets.push([index, ticket]);
  }
}

/**
 * The plaintext of a column as the projection wrote it; {@link ERASED} when its key is gone.
 * Values stored without sealing (no sealer, no subject, no key) come back unchanged.
 */
export function openColumn(
  db: object,
  table: string,
  column: string,
  subject: string | null,
  stored: StoredValue,
): string | typeof ERASED;
export function openColumn(
  db: object,
  table: string,
  column: string,
  subject: string | null,
  stored: StoredValue | null,
): string | null | typeof ERASED;
export function openColumn(
  db: object,
  table: string,
  column: string,
  subject: string | null,
  stored: StoredValue | null,
): string | null | typeof ERASED {
  if (stored === null) return null;
  return openStored(sealers.get(db), subject, columnPurpose(table, column), stored);
}

/**
 * The plaintext of a stored value under `purpose` (a column, or a state table's documents):
 * opened when sealed, as it is when plaintext, {@link ERASED} when its key is gone. A sealed
 * value read without a sealer (or a subject) cannot be shown as text: an error, never bytes.
 */
export function openStored(
  sealer: ReadModelSealer | undefined,
  subject: string | null,
  purpose: string,
  stored: StoredValue,
): string | typeof ERASED {
  if (sealer !== undefined && subject !== null && sealer.isSealed(stored)) {
    return sealer.open(subject, purpose, stored);
  }
  if (typeof stored === 'string') return stored;
  throw new Error(`a sealed value of ${purpose} was read without its key store`);
}

/** The stored form of an equality key of a blind column (the value itself without a sealer). */
export function blindKey(db: object, table: string, column: string, value: string): string {
  const sealer = sealers.get(db);
  return sealer === undefined ? value : sealer.blind(columnPurpose(table, column), value);
}
