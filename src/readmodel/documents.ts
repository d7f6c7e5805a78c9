/**
 * Where one generation of a projection keeps its documents and rows: loading documents (many
 * keys per statement) and writing a document's changes (the row diff, then the state unless it
 * lives in a row). Prepared statements only; runs inside the caller's transaction.
 */
import type { Statement } from 'better-sqlite3';
import {
  diffRows,
  jsonStorage,
  type Projection,
  type Row,
  type RowsByTable,
} from '../../projections/projection.js';
import { physicalTable, stateTable, type Generation } from './generations.js';
import { quoteIdent, type ReadModelDb } from './readModelStore.js';
import {
  ERASED,
  columnPurpose,
  rowSealerFor,
  openStored,
  sealParameter,
  sealerOf,
  type StoredValue,
  type RowSealer,
} from './sealedColumns.js';
import { WriteQueue } from './writeQueue.js';

/** A document as loaded or written: its state and (once computed) the rows derived from it. */
export interface Doc {
  readonly state: unknown;
  readonly rows?: RowsByTable;
}

export const EMPTY_DOC: Doc = { state: undefined, rows: {} };

/**
 * A stored document sealed under a destroyed data key: its state cannot be read, so the
 * projection starts it anew, and its rows (derived from that state) go when it is written.
 */
export const UNREADABLE_DOC: Doc = Object.freeze({ state: undefined });

/**
 * Stands in for a stored document of a row-only store (its one row keyed by the document key)
 * once the projector holds a newer state: rewriting or removing that row needs nothing of the
 * old state, so a document read back during a rebuild need not be held twice until the flush.
 */
export const STORED_ROW_DOC: Doc = Object.freeze({ state: Symbol('stored row document') });

export interface DocumentStore {
  /** The documents live in their one row, keyed by the document key ({@link STORED_ROW_DOC}). */
  readonly rowOnly: boolean;
  /** The stored documents among `keys` (absent keys are left out). */
  load(keys: readonly string[]): Map<string, Doc>;
  /**
   * Writes what changed from `before` to `state`; returns the new document. Statements that
   * store sealed values may run later, at `finish`.
   */
  write(key: string, before: Doc, state: unknown): Doc;
  /** Runs what `write` queued; call before the transaction commits. */
  finish(): void;
  /** Drops what `write` queued (the transaction failed). */
  discard(): void;
}

interface TableSql {
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly upsert: Statement<unknown[]>;
  readonly remove: Statement<unknown[]>;
  /** Removes every row of one document (by TableSpec.documentKey); undefined without one. */
  readonly removeDocument: Statement<unknown[]> | undefined;
  /** Seals personal columns (sealedColumns.ts); undefined when the table has none or no sealer. */
  readonly seal: RowSealer | undefined;
}

/** Keys per load statement; shorter lists are padded with repeats. */
const LOAD_CHUNK = 64;

export function createDocumentStore(
  db: ReadModelDb,
  projection: Projection,
  generation: Generation,
): DocumentStore {
  const { version } = generation;
  const storage = projection.storage ?? jsonStorage;
  const inRow = storage.inRow;
  const rowTable = projection.tables.find((table) => table.name === inRow?.table);
  if (inRow !== undefined && rowTable?.primaryKey.length !== 1) {
    throw new Error(
      `${projection.name}: storage.inRow needs a table with a one-column primary key`,
    );
  }
  // The state lives in the one row of the projection's only table.
  const ownRowOnly = inRow !== undefined && projection.tables.length === 1;
  const sealer = sealerOf(db);
  const tables = new Map<string, TableSql>();
  for (const table of projection.tables) {
    const physical = quoteIdent(physicalTable(table.name, version, generation.generation));
    const columns = table.columns.map((column) => column.name);
    const others = columns.filter((column) => !table.primaryKey.includes(column));
    const update =
      others.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${others.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`;
    const documentKey =
      table.documentKey ?? (table.primaryKey.length === 1 ? table.primaryKey[0] : undefined);
    tables.set(table.name, {
      columns,
      primaryKey: table.primaryKey,
      removeDocument:
        documentKey === undefined
          ? undefined
          : db.prepare(`DELETE FROM ${physical} WHERE ${quoteIdent(documentKey)} = ?`),
      seal: rowSealerFor(table, sealer),
      upsert: db.prepare(
        `INSERT INTO ${physical} (${columns.map(quoteIdent).join(', ')})
         VALUES (${columns.map(() => '?').join(', ')})
         ON CONFLICT (${table.primaryKey.map(quoteIdent).join(', ')}) ${update}`,
      ),
      remove: db.prepare(
        `DELETE FROM ${physical} WHERE ${table.primaryKey.map((c) => `${quoteIdent(c)} = ?`).join(' AND ')}`,
      ),
    });
  }
  const states = quoteIdent(stateTable(projection.name, version, generation.generation));
  const [from, keyColumn, valueColumn] = inRow
    ? [
        quoteIdent(physicalTable(inRow.table, version, generation.generation)),
        quoteIdent(rowTable!.primaryKey[0]!),
        quoteIdent(inRow.column),
      ]
    : [states, 'key', 'state'];
  // How a stored document is opened: an in-row document under the row's subject, a state
  // table's under the document key (sealedByKey), others are plaintext.
  const inRowSealed = inRow
    ? rowTable!.columns.some((c) => c.name === inRow.column && c.sealed === true)
    : false;
  const subjectColumn =
    inRowSealed && rowTable!.subject !== undefined ? quoteIdent(rowTable!.subject) : 'NULL';
  const statePurpose = inRow
    ? columnPurpose(inRow.table, inRow.column)
    : columnPurpose(`${projection.name}__state`, 'state');
  const sealState = sealer !== undefined && !inRow && storage.sealedByKey === true;
  // A sealed document can become unreadable (its key destroyed): its rows must then be found
  // by the document key alone (removeDocument below). Checked here, at start, not at the
  // erasure that would need it.
  if (sealer !== undefined && (inRowSealed || sealState)) {
    for (const [name, table] of tables) {
      if (table.removeDocument === undefined) {
        throw new Error(
          `${projection.name}: table ${name} needs a documentKey to remove an unreadable document's rows`,
        );
      }
    }
  }
  const loadMany = db.prepare<unknown[], { k: string; v: StoredValue; s: string | null }>(
    `SELECT ${keyColumn} AS k, ${valueColumn} AS v, ${subjectColumn} AS s FROM ${from}
     WHERE ${keyColumn} IN (${Array.from({ length: LOAD_CHUNK }, () => '?').join(', ')})`,
  );
  const saveState = inRow
    ? undefined
    : db.prepare<[string, string]>(
        `INSERT INTO ${states} (key, state) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET state = excluded.state`,
      );
  const deleteState = inRow
    ? undefined
    : db.prepare<[string]>(`DELETE FROM ${states} WHERE key = ?`);

  const queue = new WriteQueue(sealer?.batch);
  // Runs (or queues) a row statement with its personal columns sealed.
  const put = (
    table: TableSql,
    statement: Statement<unknown[]>,
    names: readonly string[],
    row: Row,
  ) => {
    const params = values(names, row);
    if (table.seal === undefined) return queue.run(statement, params);
    const tickets = queue.tickets();
    table.seal(names, params, tickets);
    queue.run(statement, params, tickets);
  };
  const putState = (key: string, state: unknown): void => {
    const text = storage.encode(state);
    const params = [key, text];
    const tickets = queue.tickets();
    if (sealState) sealParameter(sealer, key, statePurpose, params, 1, tickets);
    queue.run(saveState!, params, tickets);
  };

  // Every row and the state of a document, whatever they were: none can be derived again.
  const removeDocument = (key: string): void => {
    for (const table of tables.values()) {
      if (table.removeDocument !== undefined) queue.run(table.removeDocument, [key]);
    }
    if (deleteState !== undefined) queue.run(deleteState, [key]);
  };

  return {
    rowOnly: ownRowOnly,
    load(keys) {
      const docs = new Map<string, Doc>();
      for (let start = 0; start < keys.length; start += LOAD_CHUNK) {
        const chunk = keys.slice(start, start + LOAD_CHUNK);
        while (chunk.length < LOAD_CHUNK) chunk.push(chunk[0]!);
        for (const { k, v, s } of loadMany.all(...chunk)) {
          const subject = sealState ? k : s;
          const text = openStored(sealer, subject, statePurpose, v);
          // A document whose data key is destroyed: the projection starts it anew, and the rows
          // derived from what it was go when it is written (an erasure the projector applies
          // after the key went; docs/retention.md).
          docs.set(k, text === ERASED ? UNREADABLE_DOC : { state: storage.decode(text) });
        }
      }
      return docs;
    },
    write(key, doc, state) {
      let before = doc;
      if (before === UNREADABLE_DOC) {
        removeDocument(key);
        before = EMPTY_DOC;
      }
      if (state === before.state) return before;
      if (before === STORED_ROW_DOC && !ownRowOnly) {
        throw new Error(`${projection.name}: a stored document's state is needed to rewrite it`);
      }
      const rows = state === undefined ? {} : projection.rows(key, state);
      if (ownRowOnly && before.state !== undefined) {
        // The document's only row, keyed by the document key, stays keyed so: upsert it (or
        // remove it by its key), without deriving (and encoding) the old row just to compare.
        const table = tables.get(rowTable!.name)!;
        if (state === undefined)
          put(table, table.remove, table.primaryKey, { [table.primaryKey[0]!]: key });
        for (const row of rows[rowTable!.name] ?? []) put(table, table.upsert, table.columns, row);
        return { state, rows };
      }
      if (before === EMPTY_DOC) {
        // A document new to this generation (the bulk path's usual case): nothing to diff.
        for (const table of projection.tables) {
          const sql = tables.get(table.name)!;
          for (const row of rows[table.name] ?? []) put(sql, sql.upsert, sql.columns, row);
        }
        if (state !== undefined && saveState !== undefined) putState(key, state);
        return { state, rows };
      }
      // Rows of a loaded document are derived only now, when it changed.
      const old =
        before.rows ?? (before.state === undefined ? {} : projection.rows(key, before.state));
      for (const change of diffRows(projection.tables, old, rows)) {
        const table = tables.get(change.table)!;
        if (change.op === 'upsert') put(table, table.upsert, table.columns, change.row);
        else put(table, table.remove, table.primaryKey, change.row);
      }
      if (state === undefined) {
        if (deleteState !== undefined) queue.run(deleteState, [key]);
      } else if (saveState !== undefined) putState(key, state);
      return { state, rows };
    },
    finish: () => queue.finish(),
    discard: () => queue.discard(),
  };
}

function values(columns: readonly string[], row: Row): unknown[] {
  return columns.map((column) => row[column] ?? null);
}
