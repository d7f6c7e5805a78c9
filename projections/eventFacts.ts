/**
 * Reading stored events defensively: the JSON body (parsed once per event, shared by every
 * projection), metadata fields, ComPilot's own timestamps, and the order in which competing
 * facts win. Shapes from the ComPilot reference (compilot.md §2-3) are partly inferred, so
 * unknown or missing fields are tolerated; only a body that is not a JSON object is poison.
 */
import {
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
  QUARANTINED_EVENT_TYPE,
} from '../src/events/types.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import type { Evidence } from './evidence.js';
import { hashBytes } from '../src/events/fnvHash.js';

export type { Evidence } from './evidence.js';
export { hash } from '../src/events/fnvHash.js';
export { compareFacts, compareStamps, compareTies, rankOf, type TieValue } from './factOrder.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/** The event cannot be read at all; the runner records it as poison. */
export class UndecodableEventError extends Error {
  constructor(
    readonly eventId: string,
    message: string,
  ) {
    super(message);
    this.name = 'UndecodableEventError';
  }
}

/** What is derived from one event, computed at most once. */
interface Derived {
  body: JsonObject | undefined;
  /** ComPilot time, once `timed` (it may be undefined). */
  time: string | undefined;
  timed: boolean;
  evidence: Evidence | undefined;
  content: string | undefined;
  /** The customer the event is about, once `customerKnown` (see {@link memoCustomerId}). */
  customer: string | undefined;
  customerKnown: boolean;
}

// The entry of the event last asked about. The projector applies an event to every projection
// before it moves to the next (target.ts, stageAll), and a fold reads its events one by one, so
// each body is still parsed once per event; asking about events in another order only costs a
// re-parse, never a different answer (the projections stay pure). A WeakMap keyed by event did
// the same for any order, but its weak entries, and the parsed bodies of a whole page it kept
// alive, cost the garbage collector more than the parsing they saved.
let lastEvent: RecordedEvent | undefined;
let lastEntry: Derived | undefined;

function derivedOf(event: RecordedEvent): Derived {
  if (event === lastEvent) return lastEntry!;
  const entry: Derived = {
    body: undefined,
    time: undefined,
    timed: false,
    evidence: undefined,
    content: undefined,
    customer: undefined,
    customerKnown: false,
  };
  lastEvent = event;
  lastEntry = entry;
  return entry;
}

/**
 * `customerOf(event)` computed at most once per event, like the body: three projections key
 * their documents by it and read it again while they evolve them.
 */
export function memoCustomerId(
  event: RecordedEvent,
  customerOf: (event: RecordedEvent) => string | undefined,
): string | undefined {
  const entry = derivedOf(event);
  if (!entry.customerKnown) {
    entry.customer = customerOf(event);
    entry.customerKnown = true;
  }
  return entry.customer;
}

/** The parsed JSON object the event carries; throws {@link UndecodableEventError} otherwise. */
export function bodyOf(event: RecordedEvent): JsonObject {
  const entry = derivedOf(event);
  let body = entry.body;
  if (body !== undefined) return body;
  let parsed: unknown;
  try {
    // An event decrypted in the decrypt thread comes decoded (contentHash says why).
    parsed = JSON.parse(event.encryption?.plaintextText ?? event.data.toString('utf8'));
  } catch {
    throw new UndecodableEventError(event.id, `${event.type} event ${event.id} is not JSON`);
  }
  if (!isObject(parsed)) {
    throw new UndecodableEventError(
      event.id,
      `${event.type} event ${event.id} is not a JSON object`,
    );
  }
  body = parsed;
  entry.body = body;
  return body;
}

/** `payload` of a webhook body `{ eventType, payload }`. */
export function payloadOf(event: RecordedEvent): JsonObject {
  const payload = bodyOf(event).payload;
  if (!isObject(payload)) {
    throw new UndecodableEventError(
      event.id,
      `${event.type} event ${event.id} has no payload object`,
    );
  }
  return payload;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or null for null/absent/other types. */
export function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function has(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

// What toISOString() produces (years 0000-9999): such strings are already normalised.
const CANONICAL_TIME = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** A timestamp normalised to `toISOString()` form, so times compare correctly as strings. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (CANONICAL_TIME.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function metaText(event: RecordedEvent, key: string): string | null {
  return text(event.metadata[key]);
}

export function svixIdOf(event: RecordedEvent): string | null {
  return metaText(event, 'svixId');
}

/** `svix-timestamp` (Unix seconds, set by the sender) as ISO time. */
function svixTimeOf(event: RecordedEvent): string | undefined {
  const raw = event.metadata.svixTimestamp;
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000).toISOString();
}

/** Ids of the webhook events a details snapshot was fetched for (DetailsMetadata). */
export function causedByOf(event: RecordedEvent): string[] {
  const causationId = metaText(event, 'causationId');
  const causedBy = event.metadata.causedBy;
  // The usual snapshot: fetched for one webhook, named both ways.
  if (Array.isArray(causedBy) && causedBy.length <= 1) {
    const cause: unknown = causedBy[0];
    const id = isObject(cause) ? text(cause.id) : null;
    if (id === null || id === causationId) return causationId === null ? [] : [causationId];
    if (causationId === null) return [id];
  }
  const ids = new Set<string>();
  if (causationId !== null) ids.add(causationId);
  if (Array.isArray(causedBy)) {
    for (const cause of causedBy as unknown[]) {
      const id = isObject(cause) ? text(cause.id) : null;
      if (id !== null) ids.add(id);
    }
  }
  return [...ids].sort();
}

/** When our side recorded the event: the fetch time of snapshots, else receipt, else commit. */
export function fetchedAtOf(event: RecordedEvent): string {
  return (
    isoTime(event.metadata.fetchedAt) ??
    isoTime(event.metadata.receivedAt) ??
    event.recordedAt.toISOString()
  );
}

/**
 * ComPilot's time of an event: when the fact it reports took effect by ComPilot's clock, which
 * orders facts whatever order they were delivered in.
 *
 * - customer.* and alert.*: `payload.updatedAt ?? payload.createdAt`; for customer.deleted
 *   `payload.deletedAt` first.
 * - details snapshot: `updatedAt ?? createdAt` of the snapshot (the state it shows has held
 *   since then), else the fetch time.
 * - send.scenario / send.verification.flow carry no timestamp: the `svix-timestamp` the sender
 *   signed, else the time we received it.
 * - not-found answers: the fetch time.
 *
 * Every known type falls back to svix-timestamp, then receivedAt, then the commit time.
 * Undefined for `quarantined` and unknown types. Throws {@link UndecodableEventError} when the
 * body of a webhook or snapshot is not a JSON object.
 */
export function comPilotTime(event: RecordedEvent): string | undefined {
  const entry = derivedOf(event);
  if (entry.timed) return entry.time;
  const time = computeComPilotTime(event);
  entry.time = time;
  entry.timed = true;
  return time;
}

function computeComPilotTime(event: RecordedEvent): string | undefined {
  const fallback = (): string =>
    svixTimeOf(event) ?? isoTime(event.metadata.receivedAt) ?? event.recordedAt.toISOString();
  switch (event.type) {
    case 'customer.created':
    case 'customer.updated':
    case 'alert.created':
    case 'alert.updated':
    case 'alert.deleted': {
      const payload = payloadOf(event);
      return isoTime(payload.updatedAt) ?? isoTime(payload.createdAt) ?? fallback();
    }
    case 'customer.deleted': {
      const payload = payloadOf(event);
      return (
        isoTime(payload.deletedAt) ??
        isoTime(payload.updatedAt) ??
        isoTime(payload.createdAt) ??
        fallback()
      );
    }
    case 'send.scenario':
    case 'send.verification.flow':
      payloadOf(event);
      return fallback();
    case DETAILS_EVENT_TYPE: {
      const body = bodyOf(event);
      return isoTime(body.updatedAt) ?? isoTime(body.createdAt) ?? fetchedAtOf(event);
    }
    case NOT_FOUND_EVENT_TYPE:
      return fetchedAtOf(event);
    case QUARANTINED_EVENT_TYPE:
    default:
      return undefined;
  }
}

/** The event's evidence at its ComPilot time (one shared, immutable object per event). */
export function eventEvidence(event: RecordedEvent): Evidence {
  const entry = derivedOf(event);
  let evidence = entry.evidence;
  if (evidence === undefined) {
    evidence = evidenceOf(event, comPilotTime(event)!);
    entry.evidence = evidence;
  }
  return evidence;
}

export function evidenceOf(event: RecordedEvent, at: string): Evidence {
  return {
    at,
    eventType: event.type,
    eventId: event.id,
    position: event.position,
    svixId: svixIdOf(event),
    content: contentHash(event),
  };
}

/**
 * Hash of the event's bytes (per event, once). An event decrypted in the decrypt thread comes
 * with it (the same value, computed there on the way), which spares the rebuild's main thread a
 * pass over every plaintext.
 */
export function contentHash(event: RecordedEvent): string {
  const entry = derivedOf(event);
  let content = entry.content;
  if (content === undefined) {
    content = event.encryption?.plaintextFnv ?? hashBytes(event.data);
    entry.content = content;
  }
  return content;
}
