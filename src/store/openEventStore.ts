import type { EventStoreLocation } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from './eventStore.js';
import { openKurrentDbEventStore } from './kurrentDbEventStore.js';
import { openSqliteEventStore } from './sqliteEventStore.js';

export interface OpenEventStoreOptions {
  /** Called after each embedded group commit (metrics); KurrentDB commits are not observable. */
  readonly onCommit?: (commit: { appends: number; events: number; durationMs: number }) => void;
  /** Read-only commands: the store must exist and is never written (SQLite opens it read-only). */
  readonly readOnly?: boolean;
}

/** Chooses the adapter from EVENT_STORE_URL; the rest of the service only sees the port. */
export function openEventStore(
  location: EventStoreLocation,
  logger: Logger,
  options: OpenEventStoreOptions = {},
): EventStore {
  switch (location.kind) {
    case 'sqlite':
      return openSqliteEventStore({
        path: location.path,
        logger,
        onCommit: options.onCommit,
        readOnly: options.readOnly,
      });
    case 'kurrentdb':
      return openKurrentDbEventStore({ connectionString: location.connectionString, logger });
  }
}
