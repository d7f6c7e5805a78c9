import type { EventStoreLocation } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { withEncryptionAtRest } from '../privacy/openEncryptedStore.js';
import type { EventStore } from './eventStore.js';
import { openKurrentDbEventStore } from './kurrentDbEventStore.js';
import { openSqliteEventStore } from './sqliteEventStore.js';

export interface OpenEventStoreOptions {
  /** Called after each embedded group commit (metrics); KurrentDB commits are not observable. */
  readonly onCommit?: (commit: { appends: number; events: number; durationMs: number }) => void;
  /** Read-only commands: the store must exist and is never written (SQLite opens it read-only). */
  readonly readOnly?: boolean;
}

/**
 * Chooses the adapter from EVENT_STORE_URL and wraps it in encryption at rest as the location
 * says; the rest of the service only sees the port.
 */
export function openEventStore(
  location: EventStoreLocation,
  logger: Logger,
  options: OpenEventStoreOptions = {},
): EventStore {
  return withEncryptionAtRest(location.encryption, logger, options.readOnly ?? false, () => {
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
  });
}
