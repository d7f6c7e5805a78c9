/** Rows of the events table as the adapter reads them, and the events they become. */
import type { RecordedEvent } from '../eventStore.js';
import { formatSequencePosition } from '../embedded/sequencePosition.js';

/** Rows come back as arrays (`.raw()`): much cheaper than keyed objects on large reads. */
type Columns<Data> = readonly [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: Data,
  metadata: string,
  recordedAt: string,
  link: string | null,
  dataSha256: string | null,
];

export type EventRow = Columns<Buffer>;
/** A row read without its bytes: the data column holds their length (pageReads.ts). */
export type SizedEventRow = Columns<number>;

export function toRecorded(row: EventRow): RecordedEvent {
  return recordedWith(row, row[5]);
}

/** The event of a row whose bytes were read apart from it. */
export function recordedWith(row: Columns<unknown>, data: Buffer): RecordedEvent {
  const [position, streamName, revision, id, type, , metadata, recordedAt, link, dataSha256] = row;
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
