/**
 * The start-up step that records pre-ledger events, with the one failure it tolerates. Separate
 * from service.ts because it decides which store errors stop a start and which only warn.
 */
import { recordPreLedgerEvents } from '../ledger/backfill.js';
import type { Logger } from '../lib/logger.js';
import { StoreUnavailableError, type EventStore } from '../store/eventStore.js';

/**
 * Before anything else writes, pre-ledger events get their after-the-fact record. A store that
 * cannot be reached now (KurrentDB down) does not stop the start: the chain itself needs no
 * record, which is then written at a later start. Any other failure stops the start.
 */
export async function recordPreLedgerEventsOnStart(
  store: EventStore,
  logger: Logger,
): Promise<void> {
  try {
    await recordPreLedgerEvents(store, { logger });
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      logger.warn({ err: error }, 'could not check the store for events written before the ledger');
      return;
    }
    throw error;
  }
}
