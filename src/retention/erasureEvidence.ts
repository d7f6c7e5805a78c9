/**
 * verify's check of crypto-shredded events. An event whose data can no longer be read is
 * acceptable only when an erasure record (ledger.customer-erased) lists it: same stream,
 * revision, position and id, and, where the event's covered metadata records the plaintext's
 * SHA-256, the same hash. The chain over the stored bytes is checked as for every event
 * (storeVerification.ts); only the signature can no longer be recomputed. An unreadable event
 * without a record covering it is a failure: that is what a lost or stolen key, or a
 * destruction that bypassed the protocol, looks like.
 *
 * Records come after the events they cover, so erased events are collected (a few fields
 * each) and matched at the end.
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { isDecryptedEvent, isErasedEvent, plaintextSha256Of } from '../events/erasedEvent.js';
import {
  ERASED_EVENT_TYPE,
  recordData,
  type AffectedEvent,
  type ErasedData,
} from '../events/retentionEvents.js';

export interface ErasureFinding {
  /** `encryption`: an unreadable event nothing accounts for; `erasure`: a record that lies. */
  readonly kind: 'encryption' | 'erasure';
  readonly message: string;
  readonly event?: Pick<RecordedEvent, 'streamName' | 'revision' | 'position' | 'id'>;
}

export interface ErasureCounts {
  /** Events whose data is erased, each covered by a record (uncovered ones are findings). */
  readonly erased: number;
  readonly records: number;
}

interface ErasedSeen {
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: string;
  readonly id: string;
  readonly plaintextSha256: string | undefined;
}

export function createErasureChecker() {
  const erased: ErasedSeen[] = [];
  /** Encrypted events that decrypted: an erasure record must not list any of them. */
  const readable = new Map<
    string,
    Pick<RecordedEvent, 'streamName' | 'revision' | 'position' | 'id'>
  >();
  const covered = new Map<string, AffectedEvent>();
  let records = 0;
  const findings: ErasureFinding[] = [];
  return {
    /** Notes one event; true when its data is erased (the caller then skips body checks). */
    check(event: RecordedEvent): boolean {
      if (event.type === ERASED_EVENT_TYPE && !isErasedEvent(event)) {
        records += 1;
        try {
          for (const listed of recordData<ErasedData>(event).events) {
            covered.set(listed.eventId, listed);
          }
        } catch {
          findings.push({ kind: 'erasure', message: 'an erasure record that is not JSON', event });
        }
        return false;
      }
      if (!isErasedEvent(event)) {
        if (isDecryptedEvent(event)) {
          const { streamName, revision, position, id } = event;
          readable.set(id, { streamName, revision, position, id });
        }
        return false;
      }
      erased.push({
        streamName: event.streamName,
        revision: event.revision,
        position: event.position,
        id: event.id,
        plaintextSha256: plaintextSha256Of(event),
      });
      return true;
    },
    finish(): ErasureFinding[] {
      for (const event of erased) {
        const listed = covered.get(event.id);
        const where = { ...event, revision: event.revision };
        if (listed === undefined) {
          findings.push({
            kind: 'encryption',
            message:
              "its customer's data key is destroyed and no erasure record covers it (a lost key, or a destruction outside the erasure protocol)",
            event: where,
          });
        } else if (
          listed.stream !== event.streamName ||
          listed.revision !== Number(event.revision) ||
          listed.position !== event.position
        ) {
          findings.push({
            kind: 'erasure',
            message: `the erasure record lists this event at ${listed.stream} revision ${listed.revision} (position ${listed.position})`,
            event: where,
          });
        } else if (
          event.plaintextSha256 !== undefined &&
          listed.bodySha256 !== event.plaintextSha256
        ) {
          findings.push({
            kind: 'erasure',
            message: 'the erasure record names another body hash than the event records',
            event: where,
          });
        }
      }
      for (const [id, listed] of covered) {
        const event = readable.get(id);
        if (event !== undefined) {
          findings.push({
            kind: 'erasure',
            message: `an erasure record (${listed.stream}) lists this event but its data is still readable: its key was not destroyed, or was restored from a backup`,
            event,
          });
        }
      }
      return findings;
    },
    counts(): ErasureCounts {
      return { erased: erased.length, records };
    },
  };
}
