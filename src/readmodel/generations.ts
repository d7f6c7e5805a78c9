/**
 * Generations: each build of a projection writes its own physical tables
 * (`<table>_v<version>_g<generation>` and a state table), and queries read views named after the
 * logical tables. At most one generation per projection is `live` (the views point at it) and at
 * most one is `building`. Switching repoints the views, retires the old generation and drops its
 * tables in one transaction, so a reader sees either the old tables or the new, never a mix.
 */
import type { Projection, TableSpec } from '../../projections/projection.js';
import { quoteIdent, type ReadModelDb } from './readModelStore.js';
import { sealerOf } from './sealedColumns.js';
import { clearWrittenAhead, isWrittenAhead } from './writtenAhead.js';

export type GenerationState = 'live' | 'building';

export interface Generation {
  readonly projection: string;
  readonly generation: number;
  readonly version: number;
  readonly state: GenerationState;
  /** Position of the last event applied; null before the first. */
  readonly checkpoint: string | null;
  readonly eventsApplied: number;
  readonly createdAt: string;
  readonly switchedAt: string | null;
}

interface GenerationRow {
  projection: string;
  generation: number;
  version: number;
  state: GenerationState;
  checkpoint: string | null;
  events_applied: number;
  created_at: string;
  switched_at: string | null;
}

const COLUMNS =
  'projection, generation, version, state, checkpoint, events_applied, created_at, switched_at';

function toGeneration(row: GenerationRow): Generation {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    state: row.state,
    checkpoint: row.checkpoint,
    eventsApplied: row.events_applied,
    createdAt: row.created_at,
    switchedAt: row.switched_at,
  };
}

export function listGenerations(db: ReadModelDb): Generation[] {
  return db
    .prepare<[], GenerationRow>(
      `SELECT ${COLUMNS} FROM projection_generations ORDER BY projection, generation`,
    )
    .all()
    .map(toGeneration);
}

export function findGeneration(
  db: ReadModelDb,
  projection: string,
  generation: number,
): Generation | undefined {
  const row = db
    .prepare<[string, number], GenerationRow>(
      `SELECT ${COLUMNS} FROM projection_generations WHERE projection = ? AND generation = ?`,
    )
    .get(projection, generation);
  return row && toGeneration(row);
}

export function findByState(
  db: ReadModelDb,
  projection: string,
  state: GenerationState,
): Generation | undefined {
  const row = db
    .prepare<[string, GenerationState], GenerationRow>(
      `SELECT ${COLUMNS} FROM projection_generations WHERE projection = ? AND state = ?`,
    )
    .get(projection, state);
  return row && toGeneration(row);
}

/** Physical name of a logical table in one generation. */
export function physicalTable(table: string, version: number, generation: number): string {
  return `${table}_v${version}_g${generation}`;
}

export function stateTable(projection: string, version: number, generation: number): string {
  return physicalTable(`${projection.replace(/-/g, '_')}__state`, version, generation);
}

/**
 * Creates a generation with empty tables. A live one gets its indexes and views at once; a
 * building one gets its secondary indexes at the end ({@link createIndexes}), which is faster.
 */
export function createGeneration(
  db: ReadModelDb,
  projection: Projection,
  state: GenerationState,
  now: string,
): Generation {
  return db
    .transaction(() => {
      db.prepare(
        'UPDATE projection_counter SET last_generation = last_generation + 1 WHERE id = 1',
      ).run();
      const generation = db
        .prepare<[], number>('SELECT last_generation FROM projection_counter WHERE id = 1')
        .pluck()
        .get()!;
      const { version } = projection;
      if (projection.storage?.inRow === undefined) {
        db.exec(
          `CREATE TABLE ${quoteIdent(stateTable(projection.name, version, generation))} (
             key TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL)`,
        );
      }
      for (const table of projection.tables) {
        db.exec(createTableSql(table, physicalTable(table.name, version, generation)));
      }
      db.prepare(
        `INSERT INTO projection_generations (projection, generation, version, state, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).run(projection.name, generation, version, state, now);
      db.prepare(
        'INSERT INTO projection_sealing (projection, generation, sealed) VALUES (?, ?, ?)',
      ).run(projection.name, generation, sealerOf(db) === undefined ? 0 : 1);
      const created = findGeneration(db, projection.name, generation)!;
      if (state === 'live') {
        createIndexes(db, projection, created);
        pointViews(db, projection, created);
      }
      return created;
    })
    .immediate();
}

function createTableSql(table: TableSpec, physical: string): string {
  const columns = table.columns.map(
    (column) => `${quoteIdent(column.name)} ${column.type}${column.notNull ? ' NOT NULL' : ''}`,
  );
  const key = table.primaryKey.map(quoteIdent).join(', ');
  return `CREATE TABLE ${quoteIdent(physical)} (${columns.join(', ')}, PRIMARY KEY (${key}))`;
}

export function createIndexes(
  db: ReadModelDb,
  projection: Projection,
  generation: Generation,
): void {
  for (const table of projection.tables) {
    const physical = physicalTable(table.name, generation.version, generation.generation);
    (table.indexes ?? []).forEach((columns, index) => {
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${physical}_i${index}`)}
         ON ${quoteIdent(physical)} (${columns.map(quoteIdent).join(', ')})`,
      );
    });
  }
}

/** Points the logical views at a generation's tables (dropping views onto other generations). */
function pointViews(db: ReadModelDb, projection: Projection, generation: Generation): void {
  for (const table of projection.tables) {
    const physical = physicalTable(table.name, generation.version, generation.generation);
    db.exec(`DROP VIEW IF EXISTS ${quoteIdent(table.name)}`);
    db.exec(`CREATE VIEW ${quoteIdent(table.name)} AS SELECT * FROM ${quoteIdent(physical)}`);
  }
}

/**
 * Drops a generation's tables (found by name, since the code's table list may have changed
 * since that version), the views onto them, its poison records and its row.
 */
export function dropGeneration(db: ReadModelDb, generation: Generation): void {
  const suffix = `*_v${generation.version}_g${generation.generation}`;
  const tables = db
    .prepare<[string], string>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB ?",
    )
    .pluck()
    .all(suffix);
  const views = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'view'",
    )
    .all();
  for (const view of views) {
    if (tables.some((table) => view.sql.includes(quoteIdent(table)))) {
      db.exec(`DROP VIEW IF EXISTS ${quoteIdent(view.name)}`);
    }
  }
  for (const table of tables) db.exec(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  db.prepare('DELETE FROM projection_poison WHERE projection = ? AND generation = ?').run(
    generation.projection,
    generation.generation,
  );
  clearWrittenAhead(db, generation);
  db.prepare('DELETE FROM projection_generations WHERE projection = ? AND generation = ?').run(
    generation.projection,
    generation.generation,
  );
  db.prepare('DELETE FROM projection_sealing WHERE projection = ? AND generation = ?').run(
    generation.projection,
    generation.generation,
  );
}

/**
 * Whether an interrupted build can go on from its checkpoint: sealed as this connection seals,
 * and no documents written ahead of the checkpoint (writtenAhead.ts). Its version is the
 * caller's to compare.
 */
export function resumable(db: ReadModelDb, generation: Generation): boolean {
  return sealingMatches(db, generation) && !isWrittenAhead(db, generation);
}

/**
 * Whether the generation was created sealing as this connection does (a sealer attached) or
 * not. A generation from before sealed columns (no record) counts as plaintext, so turning
 * encryption at rest on rebuilds an existing plaintext read model into a sealed one.
 */
export function sealingMatches(db: ReadModelDb, generation: Generation): boolean {
  const sealed = db
    .prepare<[string, number], number>(
      'SELECT sealed FROM projection_sealing WHERE projection = ? AND generation = ?',
    )
    .pluck()
    .get(generation.projection, generation.generation);
  return (sealed === 1) === (sealerOf(db) !== undefined);
}

export type SwitchOutcome = 'switched' | 'behind' | 'gone';

/**
 * Makes a building generation live, atomically. Refuses ('behind') while the live generation
 * of the same version has applied events the new one has not, so a switch never steps back.
 */
export function switchGeneration(
  db: ReadModelDb,
  projection: Projection,
  generation: number,
  now: string,
): SwitchOutcome {
  return db
    .transaction((): SwitchOutcome => {
      const building = findGeneration(db, projection.name, generation);
      if (building === undefined) return 'gone';
      if (building.state === 'live') return 'switched';
      const live = findByState(db, projection.name, 'live');
      if (
        live !== undefined &&
        live.version === building.version &&
        (building.checkpoint ?? '') < (live.checkpoint ?? '')
      ) {
        return 'behind';
      }
      if (live !== undefined) dropGeneration(db, live);
      createIndexes(db, projection, building);
      db.prepare(
        `UPDATE projection_generations SET state = 'live', switched_at = ?
         WHERE projection = ? AND generation = ?`,
      ).run(now, projection.name, generation);
      pointViews(db, projection, building);
      return 'switched';
    })
    .immediate();
}

export interface PreparedGenerations {
  /** Live generations the code can keep updating (same version). */
  readonly live: readonly Generation[];
  /** Generations to build: version changes, first builds, interrupted rebuilds. */
  readonly building: readonly Generation[];
}

/**
 * Start-up reconciliation. Per projection: no generation yet -> an empty live one (filled by
 * the live runner); the live one has another version -> build one of this version (the old one
 * keeps serving, frozen, until the switch); an interrupted build of this version -> resumed,
 * unless it wrote documents ahead of its checkpoint (then dropped and built again);
 * a build of another version -> dropped. A generation sealed otherwise than this connection
 * seals (sealingMatches) is treated like one of another version: rebuilt (the live one keeps
 * serving until the switch; it reads both forms) or dropped (a build).
 */
export function prepareGenerations(
  db: ReadModelDb,
  projections: readonly Projection[],
  now: string,
): PreparedGenerations {
  const live: Generation[] = [];
  const building: Generation[] = [];
  for (const projection of projections) {
    let current = findByState(db, projection.name, 'live');
    let build = findByState(db, projection.name, 'building');
    if (build !== undefined) {
      // What `resumable` asks, with sealingMatches asked once: a build of this version, sealed
      // as this connection seals, is started again if it was written ahead of its checkpoint;
      // any other is dropped and left to the checks below.
      const fits = build.version === projection.version && sealingMatches(db, build);
      if (!fits || isWrittenAhead(db, build)) {
        db.transaction(() => dropGeneration(db, build!)).immediate();
        build = fits ? createGeneration(db, projection, 'building', now) : undefined;
      }
    }
    if (current === undefined && build === undefined) {
      current = createGeneration(db, projection, 'live', now);
    }
    if (
      current !== undefined &&
      (current.version !== projection.version || !sealingMatches(db, current)) &&
      build === undefined
    ) {
      build = createGeneration(db, projection, 'building', now);
    }
    if (current !== undefined && current.version === projection.version) live.push(current);
    if (build !== undefined) building.push(build);
  }
  return { live, building };
}
