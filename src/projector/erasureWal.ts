/**
 * Emptying the read model's WAL once the live projections have applied an erasure, whoever
 * erased (`erase`, or the retention schedule). The rows an erasure purges that were stored
 * unsealed (KYC state observations: statuses, levels, scores, automation reasons; see
 * kycHistory.ts) are replaced by stubs, and `secure_delete` zeroes the old cells, but older
 * images of those pages stay in the WAL until it is checkpointed and truncated. Everything
 * personal is sealed under the customer's key, even while the key is being erased
 * (docs/retention.md), so it goes with the key whether or not the WAL is emptied.
 */
import {
  ALERT_PURGE_EVENT_TYPE,
  ERASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
} from '../events/retentionEvents.js';
import type { Logger } from '../lib/logger.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { RecordedEvent } from '../store/eventStore.js';

const ERASURE_EVENT_TYPES: ReadonlySet<string> = new Set([
  ERASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
  ALERT_PURGE_EVENT_TYPE,
]);

export interface ErasureWal {
  /** A batch the projections applied. */
  applied(events: readonly RecordedEvent[]): void;
  /**
   * The projections have applied the whole log: empty the WAL if an erasure came through, unless
   * a rebuild is writing (then at the first time this is called once it has finished).
   */
  caughtUp(): void;
}

export function createErasureWal(
  db: ReadModelDb,
  logger: Logger,
  rebuilding: () => boolean,
): ErasureWal {
  let erased = false;
  return {
    applied(events) {
      if (!erased) erased = events.some((event) => ERASURE_EVENT_TYPES.has(event.type));
    },
    caughtUp() {
      if (!erased || rebuilding()) return;
      erased = false;
      try {
        // Blocks while it copies the WAL back; only after an erasure, so rarely.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (error) {
        logger.warn({ err: error }, 'could not empty the read model WAL after an erasure');
      }
    },
  };
}
