/** Rows of the events table as the adapter reads them, and the events they become. */
import type { RecordedEvent } from '../eventStore.js';
import { formatSequencePosition } from '../embedded/sequencePosition.js';

/** Rows come back as arrays (`.raw()`): much cheaper than keyed objects on large reads. */
export type EventRow = readonly [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: Buffer,
  metadata: string,
  recordedAt: string,
  link: string | null,
  dataSha256: string | null,
];

export function toRecorded(row: EventRow): RecordedEvent {
  const [position, streamName, revision, id, type, data, metadata, recordedAt, link, dataSha256] =
    row;
  const chain = link === null || dataSha256 === null ? {} : { link, dataSha256 };
  return {
    streamName,
    revision: BigInt(revision),
    position: formatSequencePosition(position),
    id,
    type,
    data,
    metadata: JSON.parse(metadata) as Record<string, unknown>,
    recordedAt: new Date(recordedAt),
    ...chain,
  };
}
