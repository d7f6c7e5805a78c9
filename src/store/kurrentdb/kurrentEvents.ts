import type { AllStreamResolvedEvent, EventData, ResolvedEvent } from '@kurrent/kurrentdb-client';
import { binaryEvent } from '@kurrent/kurrentdb-client';
import type { PreparedEvent } from '../rules.js';
import type { RecordedEvent } from '../eventStore.js';
import { EventStoreError } from '../eventStore.js';
import { encodePosition } from './positions.js';
import type { ChainFields } from '../../ledger/chain.js';
import { LEDGER_METADATA_KEY } from '../../ledger/link.js';
import { isClaimStream } from './idClaims.js';

const encoder = new TextEncoder();

/**
 * Binary events, so neither client nor server re-serialises `data`: what we append is what
 * comes back. Metadata goes as JSON bytes, as a plain Uint8Array (the client passes that through
 * untouched; a Buffer or object it would convert): the canonical metadata the shared append
 * rules produced plus, since KurrentDB has no other place for them, the event's link and data
 * digest under the reserved key `ledger` (lifted back out on read).
 */
export function toEventData(event: PreparedEvent, chain: ChainFields): EventData {
  const ledger = `${JSON.stringify(LEDGER_METADATA_KEY)}:${JSON.stringify(chain)}`;
  const rest = event.metadataJson.slice(1, -1);
  return binaryEvent({
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: encoder.encode(`{${rest}${rest === '' ? '' : ','}${ledger}}`),
  });
}

/**
 * Events the server writes for itself (`$stats-…`, `$settings`, `$>` links, …) are not ours,
 * and neither are the adapter's id claims (see idClaims.ts): reads never return them.
 */
export function isSystemEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): boolean {
  const event = resolved.event;
  return (
    !event ||
    event.type.startsWith('$') ||
    event.streamId.startsWith('$') ||
    isClaimStream(event.streamId)
  );
}

/** The link and digest an event's stored metadata carries, if it was written with them. */
export function chainFieldsOf(metadata: unknown): ChainFields | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const ledger = (metadata as Record<string, unknown>)[LEDGER_METADATA_KEY];
  if (typeof ledger !== 'object' || ledger === null) return undefined;
  const { link, dataSha256 } = ledger as Record<string, unknown>;
  if (typeof link !== 'string' || typeof dataSha256 !== 'string') return undefined;
  return { link, dataSha256 };
}

export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event?.position) {
    throw new EventStoreError('KurrentDB returned an event without a position');
  }
  const stored = toMetadata(event.metadata);
  const chain = chainFieldsOf(stored);
  let metadata = stored;
  if (LEDGER_METADATA_KEY in stored) {
    // The ledger entry is the adapter's, never the caller's (appends with it are refused).
    const rest: Record<string, unknown> = { ...stored };
    delete rest[LEDGER_METADATA_KEY];
    metadata = rest;
  }
  return {
    streamName: event.streamId,
    revision: event.revision,
    position: encodePosition(event.position),
    id: event.id,
    type: event.type,
    data: toBuffer(event.data),
    metadata,
    recordedAt: wholeSeconds(event.created),
    ...chain,
  };
}

/**
 * The client's Rust read bridge (readStream/readAll) turns the server's timestamp into whole
 * seconds, its gRPC subscriptions keep milliseconds. Truncating everywhere makes one event read
 * the same on every path, which an audit trail needs more than sub-second precision.
 */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function toBuffer(data: unknown): Buffer {
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Only JSON events written by other tools get here; the client has already parsed them.
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
}

function toMetadata(metadata: unknown): Readonly<Record<string, unknown>> {
  if (typeof metadata === 'object' && metadata !== null && !(metadata instanceof Uint8Array)) {
    if (!Array.isArray(metadata)) return metadata as Record<string, unknown>;
  }
  return {};
}
