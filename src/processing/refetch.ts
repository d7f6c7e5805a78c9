/**
 * `rebuild --refetch`: re-pulls the current details of every known customer (one fetch each,
 * through the rate-limited client) and records each answer in the customer's stream, exactly
 * like enrichment does, so the rebuild that follows projects from fresh recorded facts. Each
 * snapshot names as its cause the customer's latest event when the fetch was made (there is no
 * causing webhook; the run is named by `refetchRunId`), so it is evidence like any other.
 * A customer with no stored event is skipped: there is nothing in its stream to follow.
 */
import { randomUUID } from 'node:crypto';
import type { CompilotClient } from '../compilot/client.js';
import { createCustomersApi } from '../compilot/customers.js';
import { isPlausibleId } from '../events/ids.js';
import { customerStream } from '../events/streams.js';
import { DETAILS_EVENT_TYPE } from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import type { EventStore } from '../store/eventStore.js';
import { detailsSnapshotEvent, fetchDetailsEvidence } from './detailsSnapshot.js';
import { appendUnlessErased, isCustomerErased } from './erasureGuard.js';

export interface RefetchOptions {
  readonly store: EventStore;
  readonly client: CompilotClient;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Customers fetched at once; the client still enforces its own rate and concurrency caps. */
  readonly concurrency?: number;
  /** Names the run in every event's metadata and id. @defaultValue a random UUID */
  readonly runId?: string;
  readonly clock?: () => Date;
}

export interface RefetchResult {
  readonly runId: string;
  readonly details: number;
  readonly notFound: number;
  /**
   * Customers not asked: no stored event (nothing to record a fetch against), an implausible id
   * (see below), or erased (before the fetch, or while ComPilot answered: nothing recorded).
   */
  readonly skipped: number;
}

export async function refetchCustomers(
  customerIds: readonly string[],
  options: RefetchOptions,
): Promise<RefetchResult> {
  const { store, logger, signal } = options;
  const customers = createCustomersApi(options.client);
  const runId = options.runId ?? randomUUID();
  const clock = options.clock ?? (() => new Date());
  // A customer stream named by an implausible id can only come from a log written before
  // ingress quarantined such ids; the client would refuse the path, so it is not asked.
  const plausible = customerIds.filter(isPlausibleId);
  const counts = { details: 0, notFound: 0, skipped: customerIds.length - plausible.length };
  let next = 0;

  async function fetchOne(customerId: string): Promise<void> {
    const streamName = customerStream(customerId);
    // Read before the fetch: the cause must precede the answer it explains.
    const [cause] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    if (cause === undefined) {
      counts.skipped += 1;
      logger.warn({ customerId }, 'refetch skipped a customer with no stored event');
      return;
    }
    // Erased customers are never fetched again (docs/retention.md).
    if (await isCustomerErased(store, customerId)) {
      counts.skipped += 1;
      return;
    }
    const fetched = await fetchDetailsEvidence(customers, customerId, { signal, clock });
    const event = detailsSnapshotEvent({
      // The id names the run and the customer: retrying the same run never writes twice.
      id: uuidv5(`refetch/${runId}/${customerId}`),
      fetched,
      causation: cause,
      extraMetadata: { refetchRunId: runId },
    });
    // Erased while ComPilot answered: skipped like one erased before.
    if ((await appendUnlessErased(store, customerId, event)) === 'erased') {
      counts.skipped += 1;
      return;
    }
    if (fetched.type === DETAILS_EVENT_TYPE) counts.details += 1;
    else counts.notFound += 1;
  }

  async function worker(): Promise<void> {
    while (!signal.aborted && next < plausible.length) {
      await fetchOne(plausible[next++]!);
    }
  }

  const workers = Math.max(1, Math.min(options.concurrency ?? 4, plausible.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  logger.info({ runId, ...counts, aborted: signal.aborted }, 'refetch finished');
  return { runId, ...counts };
}
