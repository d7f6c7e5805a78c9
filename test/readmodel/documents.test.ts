import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Projection, RowsByTable } from '../../projections/projection.js';
import {
  createDocumentStore,
  EMPTY_DOC,
  STORED_ROW_DOC,
  type DocumentStore,
} from '../../src/readmodel/documents.js';
import { createGeneration, physicalTable } from '../../src/readmodel/generations.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';

interface Note {
  readonly id: string;
  readonly text: string;
}

/** A projection whose documents live in their one row, keyed by the document key. */
const notes: Projection<Note> = {
  name: 'notes',
  version: 1,
  handles: ['note'],
  tables: [
    {
      name: 'notes',
      columns: [
        { name: 'note_id', type: 'TEXT', notNull: true },
        { name: 'doc', type: 'TEXT', notNull: true },
      ],
      primaryKey: ['note_id'],
    },
  ],
  keyOf: () => undefined,
  evolve: (state) => state,
  rows: (_key, state): RowsByTable =>
    state === undefined ? {} : { notes: [{ note_id: state.id, doc: JSON.stringify(state) }] },
  storage: {
    encode: (state) => JSON.stringify(state),
    decode: (text) => JSON.parse(text) as Note,
    inRow: { table: 'notes', column: 'doc' },
  },
};

/** The same documents kept in a state table, with a row per document beside it. */
const tagged: Projection<Note> = {
  ...notes,
  name: 'tagged',
  tables: [{ ...notes.tables[0]!, name: 'tags' }],
  rows: (_key, state): RowsByTable =>
    state === undefined ? {} : { tags: [{ note_id: state.id, doc: state.text }] },
  storage: undefined,
};

function open(
  t: Test,
  projection: Projection<Note>,
): { db: ReadModelDb; table: string; store: DocumentStore } {
  const dir = mkdtempSync(join(tmpdir(), 'documents-'));
  const db = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const generation = createGeneration(db, projection, 'live', '2026-01-01T00:00:00.000Z');
  const table = physicalTable(
    projection.tables[0]!.name,
    projection.version,
    generation.generation,
  );
  return { db, table, store: createDocumentStore(db, projection, generation) };
}

function write(db: ReadModelDb, store: DocumentStore, run: () => void): void {
  db.transaction(() => {
    run();
    store.finish();
  })();
}

void t.test('a row-only document is rewritten from the stand-in, without its old state', (t) => {
  const { db, table, store } = open(t, notes);
  t.equal(store.rowOnly, true);
  write(db, store, () => store.write('n1', EMPTY_DOC, { id: 'n1', text: 'first' }));
  write(db, store, () => store.write('n1', STORED_ROW_DOC, { id: 'n1', text: 'second' }));
  t.same(db.prepare(`SELECT note_id, doc FROM "${table}"`).all(), [
    { note_id: 'n1', doc: '{"id":"n1","text":"second"}' },
  ]);
  t.same(store.load(['n1']).get('n1')?.state, { id: 'n1', text: 'second' });
  t.end();
});

void t.test('a row-only document that ends is removed by its key from the stand-in', (t) => {
  const { db, table, store } = open(t, notes);
  write(db, store, () => {
    store.write('n1', EMPTY_DOC, { id: 'n1', text: 'kept' });
    store.write('n2', EMPTY_DOC, { id: 'n2', text: 'removed' });
  });
  write(db, store, () => store.write('n2', STORED_ROW_DOC, undefined));
  t.same(db.prepare(`SELECT note_id FROM "${table}"`).all(), [{ note_id: 'n1' }]);
  t.end();
});

void t.test('a store that diffs rows refuses the stand-in rather than write a wrong diff', (t) => {
  const { db, store } = open(t, tagged);
  t.equal(store.rowOnly, false);
  t.throws(
    () => write(db, store, () => store.write('n1', STORED_ROW_DOC, { id: 'n1', text: 'x' })),
    /stored document's state is needed/,
  );
  t.end();
});
