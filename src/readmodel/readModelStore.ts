/**
 * The read-model database (READ_MODEL_URL, a SQLite file of its own). It holds the projections'
 * tables, one set per generation, plus the bookkeeping tables below. Everything in it can be
 * rebuilt from the event log, so `synchronous=NORMAL` is enough: a crash may lose the last
 * batches, and the checkpoints, written in the same transactions, lose them with it.
 */
import Database from 'better-sqlite3';
import { preparePrivateDatabaseFile } from '../lib/privateFile.js';

export type ReadModelDb = Database.Database;

export interface OpenReadModelOptions {
  /** Open without writing (query-only processes); the file must exist. */
  readonly readonly?: boolean;
  /** @defaultValue 10000 */
  readonly busyTimeoutMs?: number;
}

/** Marks the file as a compilot-ledger read model ("CLRM"). */
const APPLICATION_ID = 0x434c524d;

const META_SCHEMA = `
  CREATE TABLE IF NOT EXISTS projection_generations (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('live', 'building')),
    checkpoint TEXT,
    events_applied INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    switched_at TEXT,
    PRIMARY KEY (projection, generation)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS projection_generations_one_live
    ON projection_generations (projection) WHERE state = 'live';
  CREATE UNIQUE INDEX IF NOT EXISTS projection_generations_one_building
    ON projection_generations (projection) WHERE state = 'building';
  CREATE TABLE IF NOT EXISTS projection_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_generation INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO projection_counter (id, last_generation) VALUES (1, 0);
  CREATE TABLE IF NOT EXISTS projection_poison (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    position TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    error TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('stopped', 'skipped')),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (projection, generation, position)
  );
  -- Whether a generation's personal columns are sealed (sealedColumns.ts); no row: plaintext.
  CREATE TABLE IF NOT EXISTS projection_sealing (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    sealed INTEGER NOT NULL CHECK (sealed IN (0, 1)),
    PRIMARY KEY (projection, generation)
  );
  -- Building generations holding documents written ahead of their checkpoint (writtenAhead.ts).
  CREATE TABLE IF NOT EXISTS projection_written_ahead (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    PRIMARY KEY (projection, generation)
  );
`;

/** Opens (creating if needed) the read model with its bookkeeping tables. */
export function openReadModel(path: string, options: OpenReadModelOptions = {}): ReadModelDb {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const inMemory = path === ':memory:';
  if (options.readonly) {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  }
  if (!inMemory) preparePrivateDatabaseFile(path);
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // A bounded page cache (64 MiB): rebuilds are write-heavy.
    db.pragma('cache_size = -65536');
    // Checkpoint every ~64 MiB of WAL instead of 4 MiB: a rebuild rewrites the same pages many
    // times, and each checkpoint copies (and fsyncs) a page once however often it changed.
    // The WAL file is truncated back to that size after a checkpoint.
    db.pragma('wal_autocheckpoint = 16384');
    db.pragma(`journal_size_limit = ${64 * 2 ** 20}`);
    // Sorts larger than the page cache go to SQLite's temporary files (SQLITE_TMPDIR, else
    // TMPDIR, else /var/tmp or /tmp; deleted as soon as they are opened). The indexes a rebuild
    // creates at the end sort every row of its tables: in memory, that added ~250 MB to the
    // peak RSS of a 5,000,000-event encrypted rebuild (docs/performance.md). The files hold
    // index keys and rows in the form the read model stores them (ids, times, statuses, blind
    // indexes, sealed values): nothing the read model's own file does not hold.
    db.pragma('temp_store = FILE');
    // Deleted and overwritten rows are zeroed on disk: an erased customer's personal data must
    // not survive in free pages of the read model (docs/retention.md).
    db.pragma('secure_delete = ON');
    db.transaction(() => {
      const applicationId = db.pragma('application_id', { simple: true }) as number;
      if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
        throw new Error(`${path} is a SQLite database but not a compilot-ledger read model`);
      }
      db.exec(META_SCHEMA);
      if (applicationId === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** SQLite identifiers built only from validated names (see projections/index.ts). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
