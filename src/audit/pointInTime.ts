/**
 * A customer's state at a point in time, folded from the customer stream (never from the read
 * model, which only knows the present). Two clocks, combinable:
 * - `asOf`: the state in effect at that time by ComPilot's own timestamps: only events whose
 *   ComPilot time (see `comPilotTime`: `updatedAt`/`createdAt`, a snapshot's own time, the
 *   signed svix timestamp for runs) is at or before `asOf`.
 * - `knownAt`: what this service knew then: only events it had received by `knownAt`, by the
 *   times in their metadata (see {@link knownTime}), which the ledger's links cover; the store's
 *   own commit time (`recordedAt`) is not covered on every adapter and is only informational.
 *
 * The stream is read and folded page by page (pages bounded in bytes, see logPages.ts), so a
 * long stream of large deliveries is never held in memory at once: only the state is.
 */
import { evolveCustomer, type CustomerState } from '../../projections/customerState.js';
import { customerStream } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { comPilotTimeOf } from './auditEventView.js';
import { readStreamPages } from '../store/logPages.js';

export interface PointInTime {
  readonly asOf?: Date;
  readonly knownAt?: Date;
}

export interface PointInTimeFold {
  /** Events of the stream the state is folded from, and how many the stream holds. */
  readonly eventsApplied: number;
  readonly eventsInStream: number;
  /** Undefined when the customer had no recorded state at that point (not yet known or created). */
  readonly state: CustomerState | undefined;
}

/** Whether an event counts at the given point in time. */
export function isWithin(event: RecordedEvent, at: PointInTime): boolean {
  if (at.knownAt !== undefined && knownTime(event) > at.knownAt.getTime()) return false;
  if (at.asOf === undefined) return true;
  const time = effectiveTime(event);
  return time !== undefined && time <= at.asOf.getTime();
}

/**
 * When this service came to know the event, in ms: a replay's `replayedAt` (the delivery counted
 * only from then), else the delivery's `receivedAt`, else a snapshot's `fetchedAt`. Only an
 * event written by another tool, carrying none of them, falls back to the commit time.
 */
export function knownTime(event: RecordedEvent): number {
  for (const key of ['replayedAt', 'receivedAt', 'fetchedAt']) {
    const value = event.metadata[key];
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(time)) return time;
  }
  return event.recordedAt.getTime();
}

/** ComPilot's time of the event in ms, or undefined when it has none or cannot be read. */
export function effectiveTime(event: RecordedEvent): number | undefined {
  const time = comPilotTimeOf(event);
  return time === undefined ? undefined : Date.parse(time);
}

/**
 * Every event of the customer stream with whether it counts at `at`, oldest first, read one
 * bounded page at a time.
 */
export async function* customerEventsAt(
  store: EventStore,
  customerId: string,
  at: PointInTime,
): AsyncGenerator<{ readonly event: RecordedEvent; readonly within: boolean }> {
  for await (const page of readStreamPages(store, customerStream(customerId))) {
    for (const event of page) yield { event, within: isWithin(event, at) };
  }
}

/** Undefined when the customer stream does not exist. */
export async function customerAt(
  store: EventStore,
  customerId: string,
  at: PointInTime,
): Promise<PointInTimeFold | undefined> {
  let eventsInStream = 0;
  let eventsApplied = 0;
  let state: CustomerState | undefined;
  for await (const { event, within } of customerEventsAt(store, customerId, at)) {
    eventsInStream += 1;
    if (!within) continue;
    eventsApplied += 1;
    state = evolveCustomer(state, event);
  }
  return eventsInStream === 0 ? undefined : { eventsApplied, eventsInStream, state };
}
