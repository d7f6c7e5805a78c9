import type { EventStoreLocation } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from './eventStore.js';
import { openKurrentDbEventStore } from './kurrentDbEventStore.js';
import { openSqliteEventStore } from './sqliteEventStore.js';

/** Chooses the adapter from EVENT_STORE_URL; the rest of the service only sees the port. */
export function openEventStore(location: EventStoreLocation, logger: Logger): EventStore {
  switch (location.kind) {
    case 'sqlite':
      return openSqliteEventStore({ path: location.path, logger });
    case 'kurrentdb':
      return openKurrentDbEventStore({ connectionString: location.connectionString, logger });
  }
}
