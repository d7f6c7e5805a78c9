import Database from 'better-sqlite3';
import { EventStoreError, StoreUnavailableError } from '../eventStore.js';

/**
 * The adapter's edge for failures: port errors pass through; SQLite's own (SQLITE_BUSY when
 * another process holds the write lock past busy_timeout, IOERR, FULL, READONLY, CORRUPT, a
 * closed connection, ...) become {@link StoreUnavailableError}, naming the code but not the
 * internals, with the original as `cause` for the logs.
 */
export function toPortError(error: unknown, operation: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  return new StoreUnavailableError(`event store ${operation} failed${code ? ` (${code})` : ''}`, {
    cause: error,
  });
}

/** Runs a synchronous store operation, translating what it throws. */
export function translated<T>(operation: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toPortError(error, operation);
  }
}

/** The SQLite error code behind a translated error, for logs. */
export function sqliteCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Database.SqliteError) return cause.code;
  return error instanceof Database.SqliteError ? error.code : undefined;
}
