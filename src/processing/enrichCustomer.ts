/**
 * One enrichment step for one customer: make sure each causing webhook event is accounted for by
 * exactly one details (or not-found) event in the customer's stream.
 *
 * Exactly-once comes from the stream itself, not from the checkpoint: before writing, the step
 * reads the stream from the oldest causing event on and drops every cause already listed in the
 * `causedBy` of a details/not-found event; it appends with the exact revision it read, so a
 * concurrent writer (a second instance, a restarted one, or ingress adding a webhook) makes the
 * append fail and the step re-reads and re-checks. The event id is derived from the first cause
 * it accounts for, as a second fence: the same first cause can never be recorded twice.
 */
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import {
  StreamRevisionConflictError,
  type EventStore,
  type RecordedEvent,
} from '../store/eventStore.js';
import { detailsSnapshotEvent, type FetchedDetails } from './detailsSnapshot.js';
import type { EnrichmentMetrics } from './enrichmentMetrics.js';
import { holdsErasureRecord, isCustomerErased } from './erasureGuard.js';

export type { FetchedDetails };

export interface EnrichCustomerDeps {
  readonly store: EventStore;
  /** Resolves with a 2xx or 404 answer; rejects on anything else. */
  readonly fetchDetails: (customerId: string) => Promise<FetchedDetails>;
  readonly metrics: EnrichmentMetrics;
  readonly logger: Logger;
}

export interface EnrichCustomerResult {
  /** Events this call appended (0 when every cause was already accounted for). */
  readonly written: number;
  readonly fetches: number;
}

/** The id of the details/not-found event whose first cause is `causeId`. */
export function enrichmentEventId(streamName: string, causeId: string): string {
  return uuidv5(`compilot-enrichment/${streamName}/${causeId}`);
}

/** The causes a details/not-found event accounts for; empty for any other event. */
export function causedByOf(event: RecordedEvent): { id: string; position: string }[] {
  if (event.type !== DETAILS_EVENT_TYPE && event.type !== NOT_FOUND_EVENT_TYPE) return [];
  const causedBy = event.metadata.causedBy;
  if (!Array.isArray(causedBy)) return [];
  return causedBy.filter(
    (cause): cause is { id: string; position: string } =>
      typeof cause === 'object' &&
      cause !== null &&
      typeof (cause as { id?: unknown }).id === 'string' &&
      typeof (cause as { position?: unknown }).position === 'string',
  );
}

/**
 * Accounts for `causes` (events of `streamName`, in log order). One fetch serves every cause
 * still pending, and is reused when an append has to be retried after a conflict: it was made
 * after all of them were recorded, so it answers for each.
 */
export async function enrichCustomer(
  deps: EnrichCustomerDeps,
  streamName: string,
  customerId: string,
  causes: readonly RecordedEvent[],
): Promise<EnrichCustomerResult> {
  const { store, metrics, logger } = deps;
  const fromRevision = causes.reduce(
    (min, event) => (event.revision < min ? event.revision : min),
    causes[0]!.revision,
  );
  let fetched: FetchedDetails | undefined;
  let written = 0;
  let fetches = 0;
  let duplicateOf: string | undefined;
  for (;;) {
    const tail = await store.readStream(streamName, { fromRevision });
    // Erased since it was last checked (while ComPilot answered, say): the append would bring
    // its data back under a new data key. The append below expects this read's revision, so an
    // erasure recorded after it makes the append conflict and this check run again.
    if (holdsErasureRecord(tail)) return { written, fetches };
    const accounted = new Set(tail.flatMap((event) => causedByOf(event).map((cause) => cause.id)));
    const pending = causes.filter((cause) => !accounted.has(cause.id));
    const last = tail.at(-1);
    if (pending.length === 0 || last === undefined) return { written, fetches };
    if (pending[0]!.id === duplicateOf) {
      // Only a foreign writer could store our id without the cause it was derived from.
      throw new Error(`${streamName} holds the enrichment event of ${duplicateOf} without it`);
    }

    if (!fetched) {
      // An erased customer is never fetched again: its details would bring the data back.
      if (await isCustomerErased(store, customerId)) return { written, fetches };
      fetched = await deps.fetchDetails(customerId);
      fetches += 1;
    }
    const first = pending[0]!;
    const event = detailsSnapshotEvent({
      id: enrichmentEventId(streamName, first.id),
      fetched,
      causation: first,
      extraMetadata: {
        causedBy: pending.map((cause) => ({ id: cause.id, position: cause.position })),
      },
    });
    try {
      const result = await store.appendToStream(streamName, [event], { expected: last.revision });
      if (!result.duplicate) {
        written += 1;
        metrics.written(fetched.type);
        logger.debug(
          { eventId: event.id, type: fetched.type, causes: pending.length },
          'customer details recorded',
        );
        return { written, fetches };
      }
      // Someone recorded the same first cause meanwhile; whether the rest is covered is
      // decided by re-reading, like after a conflict.
      duplicateOf = first.id;
    } catch (error) {
      if (!(error instanceof StreamRevisionConflictError)) throw error;
    }
    metrics.conflict();
  }
}
