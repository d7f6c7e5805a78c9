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

// Keyed by the event object: every projection of a batch sees the same object, so each body is
// parsed once. Invisible to callers, so the projections stay pure.
const bodies = new WeakMap<RecordedEvent, JsonObject>();

/** The parsed JSON object the event carries; throws {@link UndecodableEventError} otherwise. */
export function bodyOf(event: RecordedEvent): JsonObject {
  let body = bodies.get(event);
  if (body !== undefined) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.data.toString('utf8'));
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
  bodies.set(event, body);
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
  const ids = new Set<string>();
  const causationId = metaText(event, 'causationId');
  if (causationId !== null) ids.add(causationId);
  const causedBy = event.metadata.causedBy;
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
  if (times.has(event)) return times.get(event);
  const time = computeComPilotTime(event);
  times.set(event, time);
  return time;
}

// Per event, like the bodies: every projection asks for the same time.
const times = new WeakMap<RecordedEvent, string | undefined>();

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

/** Who said it, when by ComPilot's clock, and where it is in the log: the evidence of a fact. */
export interface Evidence {
  readonly at: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly position: string;
  readonly svixId: string | null;
  /** Hash of the event's bytes: equal for two deliveries of the same fact. */
  readonly content: string;
}

const evidences = new WeakMap<RecordedEvent, Evidence>();

/** The event's evidence at its ComPilot time (one shared, immutable object per event). */
export function eventEvidence(event: RecordedEvent): Evidence {
  let evidence = evidences.get(event);
  if (evidence === undefined) {
    evidence = evidenceOf(event, comPilotTime(event)!);
    evidences.set(event, evidence);
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

const contents = new WeakMap<RecordedEvent, string>();

/** Hash of the event's bytes (per event, once). */
export function contentHash(event: RecordedEvent): string {
  let content = contents.get(event);
  if (content === undefined) {
    content = hashBytes(event.data);
    contents.set(event, content);
  }
  return content;
}

/**
 * Precedence of sources reporting at the same ComPilot time. Rank 0 marks weak sources
 * (scenario runs) that only fill a field no customer webhook or snapshot has set.
 */
export function rankOf(eventType: string): number {
  switch (eventType) {
    case 'customer.created':
    case 'alert.created':
      return 1;
    case 'customer.updated':
    case 'alert.updated':
      return 2;
    case 'customer.deleted':
    case 'alert.deleted':
      return 3;
    case DETAILS_EVENT_TYPE:
    case NOT_FOUND_EVENT_TYPE:
      return 4;
    default:
      return 0;
  }
}

/** A fact's value as a string, or a function computing it (only needed on a tie). */
export type TieValue = string | (() => string);

/**
 * Total order of competing facts, independent of delivery order and of duplicates: strong
 * before weak, then ComPilot time, source rank, the value itself (so two copies of one fact
 * tie), and the event id as the last resort.
 */
export function compareFacts(a: Evidence, aValue: TieValue, b: Evidence, bValue: TieValue): number {
  const order = compareStamps(a, b);
  if (order !== 0) return order;
  return compareTies(
    a,
    typeof aValue === 'string' ? aValue : aValue(),
    b,
    typeof bValue === 'string' ? bValue : bValue(),
  );
}

/** The first stages of {@link compareFacts}: strength, ComPilot time, rank (0 = tie so far). */
export function compareStamps(a: Evidence, b: Evidence): number {
  const rankA = rankOf(a.eventType);
  const rankB = rankOf(b.eventType);
  const strong = Number(rankA > 0) - Number(rankB > 0);
  if (strong !== 0) return strong;
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return rankA - rankB;
}

/**
 * The last stages of {@link compareFacts}: the values, then the whole content (two different
 * facts saying the same thing at the same time still pick the same winner however they were
 * delivered), then the event ids (copies of one fact: any is as good).
 */
export function compareTies(a: Evidence, aValue: string, b: Evidence, bValue: string): number {
  if (aValue !== bValue) return aValue < bValue ? -1 : 1;
  if (a.content !== b.content) return a.content < b.content ? -1 : 1;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return 0;
}

/** 32-bit FNV-1a as 8 hex digits: a short, stable content key for tie-breaks. */
export function hash(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
