/**
 * Linking events into their stream's chain, shared by every adapter (at append time) and by
 * whoever recomputes a chain from stored content (pre-ledger streams, verification).
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { computeLink, coveredMetadataJson, GENESIS_LINK, sha256Hex } from './link.js';

export interface ChainFields {
  readonly link: string;
  readonly dataSha256: string;
}

/** What an adapter knows of an event it is about to store (see PreparedEvent). */
export interface LinkableEvent {
  readonly id: string;
  readonly type: string;
  readonly data: Uint8Array;
  /** Canonical metadata without the ledger key: what the link covers. */
  readonly metadataJson: string;
}

export function linkEvent(
  streamName: string,
  revision: bigint | number,
  event: LinkableEvent,
  previousLink: string,
): ChainFields {
  const dataSha256 = sha256Hex(event.data);
  const link = computeLink({
    streamName,
    revision,
    eventId: event.id,
    type: event.type,
    dataSha256,
    metadataJson: event.metadataJson,
    previousLink,
  });
  return { link, dataSha256 };
}

/** The link an event should have, from its stored content alone (never from `event.link`). */
export function recomputeLink(event: RecordedEvent, previousLink: string): ChainFields {
  return linkEvent(
    event.streamName,
    event.revision,
    {
      id: event.id,
      type: event.type,
      // Encrypted events: the link covers the bytes as stored, not the plaintext.
      data: event.encryption?.storedData ?? event.data,
      metadataJson: coveredMetadataJson(event.metadata),
    },
    previousLink,
  );
}

/**
 * Follows a stream's chain over its events (in revision order from revision 0) and returns the
 * head link. Events that carry a link are trusted as stored; events without one (written before
 * the ledger) get theirs recomputed from content, which is deterministic.
 */
export function headLinkOf(events: Iterable<RecordedEvent>, previousLink = GENESIS_LINK): string {
  let link = previousLink;
  for (const event of events) link = event.link ?? recomputeLink(event, link).link;
  return link;
}
