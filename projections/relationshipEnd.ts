/**
 * When a customer's business relationship ended, and so when its retention period ends: the
 * latest of ComPilot's time of a `customer.deleted` delivery (payload `deletedAt`, see
 * comPilotTime) and the time of an explicit offboarding record. A deletion stops counting once
 * ComPilot reports the customer again, not deleted, with a later time (a restored or re-created
 * customer: its records are those of a live relationship). A pure fold over the customer's
 * stream, shared by the `retention` projection and by `erase` (which folds the stream itself,
 * so it never acts on a read model that lags).
 */
import { comPilotTime, payloadOf, UndecodableEventError } from './eventFacts.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { evolveHold, HOLD_EVENT_TYPES, NO_HOLD, type RetentionHold } from './retentionHold.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import {
  ERASED_EVENT_TYPE,
  OFFBOARDED_EVENT_TYPE,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  HOLD_PLACED_EVENT_TYPE,
  HOLD_RELEASED_EVENT_TYPE,
  recordData,
  type ErasedData,
  type OffboardedData,
  type RelationshipEndSource,
} from '../src/events/retentionEvents.js';

export interface RetentionFacts extends RetentionHold {
  readonly customerId: string;
  /** Newest ComPilot deletion time among the customer.deleted deliveries. */
  readonly deletedAt: string | null;
  /**
   * Newest ComPilot time of a customer.created or customer.updated whose payload does not show
   * a deletion: later than `deletedAt`, the customer was restored and the deletion ends nothing.
   */
  readonly restoredAt: string | null;
  /** Newest offboarding time recorded since the last withdrawal of offboardings. */
  readonly offboardedAt: string | null;
  readonly erasedAt: string | null;
  /** Event id of the erasure record. */
  readonly erasureId: string | null;
}

export interface RelationshipEnd {
  readonly at: string;
  readonly source: RelationshipEndSource;
}

export const RETENTION_FACT_TYPES: readonly string[] = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  OFFBOARDED_EVENT_TYPE,
  OFFBOARDING_WITHDRAWN_EVENT_TYPE,
  ...HOLD_EVENT_TYPES,
  ERASED_EVENT_TYPE,
];

export function emptyFacts(customerId: string): RetentionFacts {
  return {
    customerId,
    deletedAt: null,
    restoredAt: null,
    offboardedAt: null,
    erasedAt: null,
    erasureId: null,
    ...NO_HOLD,
  };
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

/** Applies one event of the customer's stream; others (and erased ones) change nothing. */
export function evolveFacts(facts: RetentionFacts, event: RecordedEvent): RetentionFacts {
  if (isErasedEvent(event)) return facts;
  switch (event.type) {
    case 'customer.deleted':
      return { ...facts, deletedAt: later(facts.deletedAt, comPilotTime(event) ?? null) };
    case 'customer.created':
    case 'customer.updated': {
      const at = restorationTime(event);
      return at === undefined ? facts : { ...facts, restoredAt: later(facts.restoredAt, at) };
    }
    case OFFBOARDED_EVENT_TYPE: {
      const data = recordData<OffboardedData>(event);
      return { ...facts, offboardedAt: later(facts.offboardedAt, data.offboardedAt) };
    }
    case HOLD_PLACED_EVENT_TYPE:
    case HOLD_RELEASED_EVENT_TYPE:
      return { ...facts, ...evolveHold(facts, event) };
    case OFFBOARDING_WITHDRAWN_EVENT_TYPE:
      // Every offboarding before it, in log order (the operator's statements, in the order made).
      return { ...facts, offboardedAt: null };
    case ERASED_EVENT_TYPE: {
      // The deletions themselves become unreadable: the record keeps their time.
      const data = recordData<ErasedData>(event);
      return {
        ...facts,
        deletedAt: later(facts.deletedAt, data.customer.deletedAt),
        // Replaced, not merged: a rebuild no longer reads the events the live fold took it
        // from, so both must end with the record's value.
        restoredAt: data.customer.restoredAt ?? null,
        erasedAt: facts.erasedAt ?? data.erasedAt,
        erasureId: facts.erasureId ?? event.id,
      };
    }
    default:
      return facts;
  }
}

/**
 * ComPilot's time of a customer record that shows no deletion. An unreadable one restores
 * nothing: it is the other projections' poison, and it must not stop an erasure.
 */
function restorationTime(event: RecordedEvent): string | undefined {
  try {
    const deleted = payloadOf(event).deletedAt;
    if (deleted !== null && deleted !== undefined) return undefined;
    return comPilotTime(event);
  } catch (error) {
    if (error instanceof UndecodableEventError) return undefined;
    throw error;
  }
}

export function foldFacts(customerId: string, events: Iterable<RecordedEvent>): RetentionFacts {
  let facts = emptyFacts(customerId);
  for (const event of events) facts = evolveFacts(facts, event);
  return facts;
}

/**
 * The end of the relationship: the later of deletion and offboarding (deletion on a tie); a
 * deletion ComPilot has since reported undone does not count (see {@link restoredAfterDeletion}).
 * An offboarding record is the operator's statement and stands whatever ComPilot sends later:
 * ComPilot may keep monitoring a customer the firm no longer serves.
 */
export function relationshipEnd(facts: RetentionFacts): RelationshipEnd | null {
  const { offboardedAt } = facts;
  const deletedAt = restoredAfterDeletion(facts) ? null : facts.deletedAt;
  if (deletedAt === null && offboardedAt === null) return null;
  if (offboardedAt !== null && (deletedAt === null || offboardedAt > deletedAt)) {
    return { at: offboardedAt, source: 'offboarded' };
  }
  return { at: deletedAt!, source: 'customer.deleted' };
}

/** True when ComPilot reported the customer, not deleted, after its newest deletion. */
export function restoredAfterDeletion(facts: RetentionFacts): boolean {
  return (
    facts.deletedAt !== null && facts.restoredAt !== null && facts.restoredAt > facts.deletedAt
  );
}

const DAY_MS = 86_400_000;

/** When the retention period after `end` is over. */
export function erasableFrom(end: string, retentionDays: number): string {
  return new Date(Date.parse(end) + retentionDays * DAY_MS).toISOString();
}

/** The latest end of relationship whose retention period has passed at `now`. */
export function dueCutoff(now: Date, retentionDays: number): string {
  return new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
}
