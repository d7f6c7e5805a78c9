/**
 * Opens the event store's SQLite file: connection pragmas and the versioned schema
 * (`PRAGMA user_version` counts the migrations applied).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { holdsNoSchema } from '../../lib/emptyDatabase.js';
import type { Logger } from '../../lib/logger.js';
import { preparePrivateDatabaseFile } from '../../lib/privateFile.js';
import { StoreUnavailableError } from '../eventStore.js';
import { fillMissingHeadLinks } from './headLinks.js';

/** Marks the file as a compilot-ledger event store ("CLEV"), so a foreign database is refused. */
const APPLICATION_ID = 0x434c4556;

/**
 * Index i upgrades the schema from version i to i + 1 (SQL, or a function for what SQL cannot
 * compute). Never edit a shipped migration.
 */
const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 0),
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    data BLOB NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (stream, revision),
    UNIQUE (stream, id)
  );
  CREATE TABLE streams (
    stream TEXT PRIMARY KEY,
    revision INTEGER NOT NULL CHECK (revision >= 0)
  ) WITHOUT ROWID;
  -- The log is immutable: auditors rely on an event, once acknowledged, never changing.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are immutable: UPDATE refused'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are immutable: DELETE refused'); END;
  CREATE TRIGGER streams_only_grow BEFORE UPDATE ON streams
    WHEN NEW.stream IS NOT OLD.stream OR NEW.revision <= OLD.revision
    BEGIN SELECT RAISE(ABORT, 'stream revisions only grow'); END;
  CREATE TRIGGER streams_no_delete BEFORE DELETE ON streams
    BEGIN SELECT RAISE(ABORT, 'streams are never deleted'); END;
  `,
  // 2: the ledger. Links are NULL only on events written before it; their streams' head links
  // are computed here from content, once (the only time a head link is set without the
  // revision growing). The id index serves the store-wide id check; it is not UNIQUE because
  // stores written before may hold one id in two streams.
  (db) => {
    db.exec(`
      ALTER TABLE events ADD COLUMN link TEXT;
      ALTER TABLE events ADD COLUMN data_sha256 TEXT;
      ALTER TABLE streams ADD COLUMN head_link TEXT;
      CREATE INDEX events_id ON events (id);
      DROP TRIGGER streams_only_grow;
      CREATE TRIGGER streams_only_grow BEFORE UPDATE ON streams
        WHEN NEW.stream IS NOT OLD.stream OR NEW.revision < OLD.revision
          OR (NEW.revision = OLD.revision
              AND (OLD.head_link IS NOT NULL OR NEW.head_link IS NULL))
        BEGIN SELECT RAISE(ABORT, 'stream revisions only grow'); END;
    `);
    fillMissingHeadLinks(db);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface OpenDatabaseOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly logger?: Logger;
}

/** Opens (creating if absent) and migrates the database; throws StoreUnavailableError. */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path, busyTimeoutMs, logger } = options;
  const inMemory = path === ':memory:';
  let db: Database.Database | undefined;
  try {
    if (!inMemory) preparePrivateDatabaseFile(path);
    db = new Database(path, { timeout: busyTimeoutMs });
    const journalMode = configure(db, busyTimeoutMs);
    if (journalMode !== 'wal' && !inMemory) {
      logger?.warn({ journalMode }, 'event store could not switch to WAL mode');
    }
    const version = migrate(db);
    logger?.info({ schemaVersion: version }, 'event store opened');
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(`cannot open the event store at ${path}`, { cause: error });
  }
}

/**
 * Opens an existing event store for reading only (read-only commands): never creates the file
 * or its directory, never migrates, takes no write lock. Throws StoreUnavailableError naming
 * the path when there is no event store there.
 */
export function openReadOnlyDatabase(path: string, busyTimeoutMs: number): Database.Database {
  if (!existsSync(path)) throw new StoreUnavailableError(`no event store at ${path}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    if (applicationId === 0 && version === 0 && holdsNoSchema(db)) {
      // What a first start killed before its schema committed leaves, or a truncated file.
      throw new StoreUnavailableError(
        `${path} holds no event store: the file is empty (never initialised, or truncated)`,
      );
    }
    if (applicationId !== APPLICATION_ID) {
      throw new StoreUnavailableError(`${path} is not a compilot-ledger event store`);
    }
    if (version !== SCHEMA_VERSION) {
      throw new StoreUnavailableError(
        `the event store at ${path} has schema version ${version}, this build reads ` +
          `${SCHEMA_VERSION} (start the service once to upgrade it)`,
      );
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(`cannot open the event store at ${path} read-only`, {
      cause: error,
    });
  }
}

/**
 * A second connection to a database {@link openDatabase} has already opened and migrated (the
 * writer thread's). Same pragmas; it neither creates the file nor touches the schema, so it
 * needs no write lock to open. Throws StoreUnavailableError.
 */
export function openWriterConnection(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });
    configure(db, busyTimeoutMs);
    return db;
  } catch (error) {
    db?.close();
    throw new StoreUnavailableError(`cannot open the event store at ${path}`, { cause: error });
  }
}

/** Connection pragmas; returns the journal mode in effect. */
function configure(db: Database.Database, busyTimeoutMs: number): string {
  const journalMode = db.pragma('journal_mode = WAL', { simple: true }) as string;
  // FULL syncs the WAL on every COMMIT, so an acknowledged append survives power loss and
  // OS crashes, not only process crashes (NORMAL may lose the last commits there). Group
  // commit is what keeps that affordable.
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  return journalMode;
}

function migrate(db: Database.Database): number {
  // IMMEDIATE: two processes opening a fresh file at once must not both run the migrations.
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    checkOwnership(db, version);
    if (version > SCHEMA_VERSION) {
      throw new StoreUnavailableError(
        `event store schema version ${version} is newer than this build (${SCHEMA_VERSION})`,
      );
    }
    for (let next = version; next < SCHEMA_VERSION; next += 1) {
      const migration = MIGRATIONS[next]!;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
    }
    if (version < SCHEMA_VERSION) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    db.exec('COMMIT');
    return SCHEMA_VERSION;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function checkOwnership(db: Database.Database, version: number): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const foreign =
    (applicationId !== 0 && applicationId !== APPLICATION_ID) ||
    (version === 0 && !holdsNoSchema(db));
  if (foreign) {
    throw new StoreUnavailableError('the file is a SQLite database but not an event store');
  }
}
