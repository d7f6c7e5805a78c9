/**
 * When a customer's business relationship ended, and so when its retention period ends: the
 * latest of ComPilot's time of a `customer.deleted` delivery (payload `deletedAt`, see
 * comPilotTime) and the time of an explicit offboarding record. A pure fold over the customer's
 * stream, shared by the `retention` projection and by `erase` (which folds the stream itself,
 * so it never acts on a read model that lags).
 */
import { comPilotTime } from './eventFacts.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import {
  ERASED_EVENT_TYPE,
  OFFBOARDED_EVENT_TYPE,
  recordData,
  type ErasedData,
  type OffboardedData,
  type RelationshipEndSource,
} from '../src/events/retentionEvents.js';

export interface RetentionFacts {
  readonly customerId: string;
  /** Newest ComPilot deletion time among the customer.deleted deliveries. */
  readonly deletedAt: string | null;
  /** Newest offboarding time recorded. */
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
  'customer.deleted',
  OFFBOARDED_EVENT_TYPE,
  ERASED_EVENT_TYPE,
];

export function emptyFacts(customerId: string): RetentionFacts {
  return { customerId, deletedAt: null, offboardedAt: null, erasedAt: null, erasureId: null };
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
    case OFFBOARDED_EVENT_TYPE: {
      const data = recordData<OffboardedData>(event);
      return { ...facts, offboardedAt: later(facts.offboardedAt, data.offboardedAt) };
    }
    case ERASED_EVENT_TYPE: {
      // The deletions themselves become unreadable: the record keeps their time.
      const data = recordData<ErasedData>(event);
      return {
        ...facts,
        deletedAt: later(facts.deletedAt, data.customer.deletedAt),
        erasedAt: facts.erasedAt ?? data.erasedAt,
        erasureId: facts.erasureId ?? event.id,
      };
    }
    default:
      return facts;
  }
}

export function foldFacts(customerId: string, events: Iterable<RecordedEvent>): RetentionFacts {
  let facts = emptyFacts(customerId);
  for (const event of events) facts = evolveFacts(facts, event);
  return facts;
}

/** The end of the relationship: the later of deletion and offboarding (deletion on a tie). */
export function relationshipEnd(facts: RetentionFacts): RelationshipEnd | null {
  const { deletedAt, offboardedAt } = facts;
  if (deletedAt === null && offboardedAt === null) return null;
  if (offboardedAt !== null && (deletedAt === null || offboardedAt > deletedAt)) {
    return { at: offboardedAt, source: 'offboarded' };
  }
  return { at: deletedAt!, source: 'customer.deleted' };
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
