/**
 * The order in which competing facts win (strong before weak, ComPilot time, source rank, value,
 * content, event id), and the short hashes used as content keys.
 */
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../src/events/types.js';
import type { Evidence } from './evidence.js';

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
