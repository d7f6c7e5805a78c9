import type { AllStreamResolvedEvent, EventData, ResolvedEvent } from '@kurrent/kurrentdb-client';
import { binaryEvent } from '@kurrent/kurrentdb-client';
import type { PreparedEvent } from '../rules.js';
import type { RecordedEvent } from '../eventStore.js';
import { EventStoreError } from '../eventStore.js';
import { encodePosition } from './positions.js';

const encoder = new TextEncoder();

/**
 * Binary events, so neither client nor server re-serialises `data`: what we append is what
 * comes back. Metadata goes as the JSON bytes the shared append rules produced, as a plain
 * Uint8Array (the client passes that through untouched; a Buffer or object it would convert).
 */
export function toEventData(event: PreparedEvent): EventData {
  return binaryEvent({
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: encoder.encode(event.metadataJson),
  });
}

/** Events the server writes for itself (`$stats-…`, `$settings`, `$>` links, …) are not ours. */
export function isSystemEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): boolean {
  const event = resolved.event;
  return !event || event.type.startsWith('$') || event.streamId.startsWith('$');
}

export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event?.position) {
    throw new EventStoreError('KurrentDB returned an event without a position');
  }
  return {
    streamName: event.streamId,
    revision: event.revision,
    position: encodePosition(event.position),
    id: event.id,
    type: event.type,
    data: toBuffer(event.data),
    metadata: toMetadata(event.metadata),
    recordedAt: wholeSeconds(event.created),
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
