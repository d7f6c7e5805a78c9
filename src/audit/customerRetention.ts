/**
 * "Where does this customer stand in its retention period?", answered from the customer's stream
 * itself (as `erase` decides), not from the `retention` read model, so the answer never lags the
 * records an operator has just made. Shared by `GET /customers/{id}/retention`, the viewer and
 * `compilot-ledger retention status`. It carries times and stages only, never personal data.
 */
import { emptyFacts, evolveFacts, type RetentionFacts } from '../../projections/relationshipEnd.js';
import { retentionStanding, type RetentionStanding } from '../../projections/retentionStanding.js';
import { customerStream } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { readStreamPages } from '../store/logPages.js';

export interface CustomerRetention extends RetentionStanding {
  readonly customerId: string;
  /** The time the standing was computed for. */
  readonly at: string;
  /** RETENTION_DAYS the period was computed with. */
  readonly retentionDays: number;
}

export interface RetentionClock {
  readonly now: Date;
  readonly retentionDays: number;
}

/** Folds the customer's retention facts one event at a time (the viewer folds while it reads). */
export function retentionFold(customerId: string) {
  let facts: RetentionFacts = emptyFacts(customerId);
  return {
    add(event: RecordedEvent): void {
      facts = evolveFacts(facts, event);
    },
    standing({ now, retentionDays }: RetentionClock): CustomerRetention {
      return {
        customerId,
        at: now.toISOString(),
        retentionDays,
        ...retentionStanding(facts, now.toISOString(), retentionDays),
      };
    },
  };
}

/** Undefined when no event of the customer is stored. */
export async function readCustomerRetention(
  store: EventStore,
  customerId: string,
  clock: RetentionClock,
): Promise<CustomerRetention | undefined> {
  const fold = retentionFold(customerId);
  let seen = 0;
  for await (const page of readStreamPages(store, customerStream(customerId))) {
    for (const event of page) fold.add(event);
    seen += page.length;
  }
  return seen === 0 ? undefined : fold.standing(clock);
}
