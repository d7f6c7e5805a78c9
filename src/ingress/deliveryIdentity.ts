/**
 * Which event id a delivery gets, and what its svix id already names in the store. A svix id
 * names one message: Svix redelivers the same bytes. The same id with other bytes is a conflict
 * (a sender bug or a forgery signed with a leaked secret); it is kept as evidence, never merged.
 */
import { sha256Hex } from '../ledger/link.js';
import { uuidv5 } from '../lib/uuidv5.js';
import {
  EventIdInOtherStreamError,
  EventStoreError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../store/eventStore.js';

/** The id ingress gives a delivery that passes: `quarantine replay` appends with it too. */
export function deliveryEventId(svixId: string): string {
  return uuidv5(svixId);
}

/**
 * The id of a delivery kept in quarantine: not {@link deliveryEventId}, which ids are unique
 * store-wide, so that a replay or a later redelivery that passes can still take that one.
 */
export function quarantineEntryId(svixId: string): string {
  return uuidv5(`quarantine/${svixId}`);
}

/** One conflict entry per distinct body: a redelivery of the same conflicting bytes is a duplicate. */
export function conflictEntryId(svixId: string, bodySha256: string): string {
  return uuidv5(`svix-id-conflict/${svixId}/${bodySha256}`);
}

const FIND_PAGE = 100;

export interface StoredDelivery {
  readonly streamName: string;
  readonly eventId: string;
  readonly position: string;
  readonly dataSha256: string;
}

export type DeliveryAppend =
  | { readonly kind: 'appended'; readonly position: string }
  /** The id was stored before, with these same bytes, at `position`: nothing was written. */
  | { readonly kind: 'duplicate'; readonly position: string }
  /** The id was stored before (in `existing`), with other bytes: nothing was written. */
  | { readonly kind: 'conflict'; readonly existing: StoredDelivery };

/**
 * Appends a delivery's event. When its id is already stored, in this stream (the store answers
 * duplicate) or another (EventIdInOtherStreamError), the stored event's data digest decides:
 * same bytes, a duplicate; other bytes, a conflict. Only the rare repeated id costs a read.
 */
export async function appendDelivery(
  store: EventStore,
  streamName: string,
  event: NewEvent,
): Promise<DeliveryAppend> {
  let existingStream = streamName;
  try {
    const result = await store.appendToStream(streamName, [event], { expected: 'any' });
    if (!result.duplicate) return { kind: 'appended', position: result.position };
  } catch (error) {
    if (!(error instanceof EventIdInOtherStreamError)) throw error;
    existingStream = error.existingStream;
  }
  const stored = await findEvent(store, existingStream, event.id);
  if (stored === undefined) {
    throw new EventStoreError(
      `event ${event.id} is reported stored in ${existingStream} but reads as absent`,
    );
  }
  // An encrypted event's dataSha256 covers its ciphertext; its plaintext's digest is recorded.
  const storedDigest =
    stored.encryption?.plaintextSha256 ?? stored.dataSha256 ?? sha256Hex(stored.data);
  // Same bytes in another stream can only mean routing changed since: still the same message.
  if (storedDigest === sha256Hex(event.data))
    return { kind: 'duplicate', position: stored.position };
  return {
    kind: 'conflict',
    existing: {
      streamName: existingStream,
      eventId: stored.id,
      position: stored.position,
      dataSha256: storedDigest,
    },
  };
}

async function findEvent(
  store: EventStore,
  streamName: string,
  id: string,
): Promise<RecordedEvent | undefined> {
  // Newest first, a page at a time: a redelivery usually follows its original closely, and the
  // quarantine stream can be long.
  let fromRevision: bigint | undefined;
  for (;;) {
    const page = await store.readStream(streamName, {
      direction: 'backwards',
      fromRevision,
      maxCount: FIND_PAGE,
    });
    const found = page.find((event) => event.id === id);
    if (found !== undefined || page.length < FIND_PAGE) return found;
    const oldest = page.at(-1)!.revision;
    if (oldest === 0n) return undefined;
    fromRevision = oldest - 1n;
  }
}
