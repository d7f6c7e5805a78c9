/**
 * The projection contract. A projection keeps one JSON document (its state) per key, e.g. per
 * customer, and derives read-model rows from it. `evolve` and `rows` are pure: no I/O, no clock,
 * no API calls, no mutation of their inputs, so replaying the log always rebuilds the same
 * read model (the optional `evolveOwned` updates a state its caller owns in place, with the same
 * result). Storage, batching and checkpoints belong to the projector (src/projector/) and the
 * read model (src/readmodel/).
 */
import type { RecordedEvent } from '../src/store/eventStore.js';

export type SqlValue = string | number | null;
export type Row = Readonly<Record<string, SqlValue>>;
export type RowsByTable = Readonly<Record<string, readonly Row[]>>;

export interface ColumnSpec {
  readonly name: string;
  readonly type: 'TEXT' | 'INTEGER';
  readonly notNull?: boolean;
  /**
   * Personal data: the read model stores the value sealed (encrypted) under the data key of
   * the row's subject (see {@link TableSpec.subject}), never in plaintext. A declaration only:
   * the sealing is the read model's storage layer's (src/readmodel/sealedColumns.ts).
   */
  readonly sealed?: true;
  /**
   * Personal data needed for equality lookups (a wallet address as a key): stored as a keyed
   * blind index (an HMAC), so `column = blind(value)` still finds it. Never read back.
   */
  readonly blind?: true;
}

export interface TableSpec {
  /**
   * Logical name, unique across all projections. Queries read a view of that name; the
   * physical table is versioned (`<name>_v<version>_g<generation>`) so a rebuild can fill a new
   * one while the view still points at the old.
   */
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
  readonly indexes?: readonly (readonly string[])[];
  /** The column naming the customer whose data key seals this table's sealed columns. */
  readonly subject?: string;
  /**
   * Rows whose `column` holds one of `values` (without `values`: any value, not null) carry no
   * personal data in their sealed columns (no name, email, wallet or free text about the
   * person): they are stored unsealed, whatever the state of the subject's key. Two uses:
   * - an erasure's stubs (ids and dates), which must stay readable once the key is destroyed,
   *   and are written while it is still being erased;
   * - rows that cost a cipher per value for nothing: a table written once per event
   *   (kyc_observations) would pay it for every event of a rebuild.
   */
  readonly unsealedRows?: { readonly column: string; readonly values?: readonly string[] };
  /**
   * The column holding the key of the document a row comes from, when it is not the table's
   * one primary-key column: the projector removes a document's rows by it when the document
   * can no longer be read (its data key destroyed; documents.ts).
   */
  readonly documentKey?: string;
}

/** How the runner stores a projection's documents. */
export interface DocumentStorage<S> {
  encode(state: S): string;
  decode(text: string): S;
  /**
   * Keep the encoded state in this column of the row, in this table, whose single-column
   * primary key is the document key (rows() must put `encode(state)` there), instead of in a
   * separate state table: one write per document instead of two.
   */
  readonly inRow?: { readonly table: string; readonly column: string };
  /**
   * The state (when kept in a state table) is personal data of the customer the document key
   * names: the read model seals it under that customer's data key.
   */
  readonly sealedByKey?: true;
}

export const jsonStorage: DocumentStorage<unknown> = {
  encode: (state) => JSON.stringify(state),
  decode: (text) => JSON.parse(text) as unknown,
};

export interface Projection<S = unknown> {
  readonly name: string;
  /** Bump when evolve/rows/tables change meaning: the runner then rebuilds automatically. */
  readonly version: number;
  /** Event types the projection reads; others never reach it. */
  readonly handles: readonly string[];
  readonly tables: readonly TableSpec[];
  /** The document an event belongs to, or undefined to ignore the event. */
  keyOf(event: RecordedEvent): string | undefined;
  /**
   * True when no stored document can exist for `key` before `event` is applied (say the key is
   * the event's own position): the runner then skips looking it up. @defaultValue never
   */
  isNewKey?(key: string, event: RecordedEvent): boolean;
  /**
   * The next state; undefined deletes the document. Throwing marks the event as poison. Returns
   * its input (nothing changed) or a new state that shares nothing `evolveOwned` would change.
   */
  evolve(state: S | undefined, event: RecordedEvent): S | undefined;
  /**
   * `evolve` for a state its caller owns: one that `evolve` or `evolveOwned` returned to it
   * (other than their input) and that nobody else holds. It may update that state in place and
   * return it, which saves a copy per event; the result must equal `evolve`'s, and it must
   * throw (poison) before it changes anything, as a skipped event leaves no trace. The projector
   * uses it while it stages a document (target.ts); everything else calls `evolve`.
   * @defaultValue evolve
   */
  evolveOwned?(state: S, event: RecordedEvent): S | undefined;
  /** Every row the document contributes, by logical table name. */
  rows(key: string, state: S | undefined): RowsByTable;
  /** @defaultValue JSON in a state table of the projection */
  readonly storage?: DocumentStorage<S>;
}

export interface RowChange {
  readonly table: string;
  readonly op: 'upsert' | 'delete';
  /** The full row for an upsert; the primary-key columns for a delete. */
  readonly row: Row;
}

export interface Applied<S> {
  readonly key: string | undefined;
  readonly state: S | undefined;
  readonly changes: readonly RowChange[];
}

/**
 * One event applied to one document: the new state and the read-model changes it implies.
 * The runner does the same per key and per batch (one diff for many events), which gives the
 * same rows.
 */
export function applyEvent<S>(
  projection: Projection<S>,
  state: S | undefined,
  event: RecordedEvent,
): Applied<S> {
  if (!projection.handles.includes(event.type)) return { key: undefined, state, changes: [] };
  const key = projection.keyOf(event);
  if (key === undefined) return { key, state, changes: [] };
  const next = projection.evolve(state, event);
  const changes = diffRows(
    projection.tables,
    projection.rows(key, state),
    projection.rows(key, next),
  );
  return { key, state: next, changes };
}

/** The writes that turn `before` into `after`: upserts of new or changed rows, deletes of gone ones. */
export function diffRows(
  tables: readonly TableSpec[],
  before: RowsByTable,
  after: RowsByTable,
): RowChange[] {
  const changes: RowChange[] = [];
  for (const table of tables) {
    const old = before[table.name] ?? [];
    const next = after[table.name] ?? [];
    if (old.length === 0 && next.length === 0) continue;
    const oldByKey = new Map<string, Row>();
    for (const row of old) oldByKey.set(primaryKeyOf(table, row), row);
    for (const row of next) {
      const key = primaryKeyOf(table, row);
      const previous = oldByKey.get(key);
      oldByKey.delete(key);
      if (previous === undefined || !sameRow(table, previous, row)) {
        changes.push({ table: table.name, op: 'upsert', row });
      }
    }
    for (const row of oldByKey.values()) {
      const keyColumns: Record<string, SqlValue> = {};
      for (const column of table.primaryKey) keyColumns[column] = row[column] ?? null;
      changes.push({ table: table.name, op: 'delete', row: keyColumns });
    }
  }
  return changes;
}

export function primaryKeyOf(table: TableSpec, row: Row): string {
  if (table.primaryKey.length === 1) return String(row[table.primaryKey[0]!]);
  return table.primaryKey.map((column) => String(row[column])).join('\u0000');
}

function sameRow(table: TableSpec, a: Row, b: Row): boolean {
  for (const column of table.columns) {
    if ((a[column.name] ?? null) !== (b[column.name] ?? null)) return false;
  }
  return true;
}
