/**
 * `rebuild --refetch`: re-pulls the current details of every known customer (one fetch each,
 * through the rate-limited client) and records each answer in the customer's stream, exactly
 * like enrichment does, so the rebuild that follows projects from fresh recorded facts.
 */
import { randomUUID } from 'node:crypto';
import type { CompilotClient } from '../compilot/client.js';
import { createCustomersApi } from '../compilot/customers.js';
import { CompilotNotFoundError } from '../compilot/errors.js';
import { isPlausibleId } from '../events/ids.js';
import { customerStream } from '../events/streams.js';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE, type RefetchMetadata } from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import type { EventStore } from '../store/eventStore.js';

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
}

export async function refetchCustomers(
  customerIds: readonly string[],
  options: RefetchOptions,
): Promise<RefetchResult> {
  const { store, logger, signal } = options;
  const customers = createCustomersApi(options.client);
  const runId = options.runId ?? randomUUID();
  const clock = options.clock ?? (() => new Date());
  const counts = { details: 0, notFound: 0 };
  // A customer stream named by an implausible id can only come from a log written before
  // ingress quarantined such ids; the client would refuse the path, so it is not asked.
  const plausible = customerIds.filter(isPlausibleId);
  const skipped = customerIds.length - plausible.length;
  let next = 0;

  async function fetchOne(customerId: string): Promise<void> {
    let type: string = DETAILS_EVENT_TYPE;
    let answer: { status: number; body: Buffer; path: string };
    try {
      answer = await customers.getCustomerDetails(customerId, { signal });
    } catch (error) {
      if (!(error instanceof CompilotNotFoundError)) throw error;
      type = NOT_FOUND_EVENT_TYPE;
      answer = { status: 404, body: error.body, path: error.path };
    }
    const metadata: RefetchMetadata = {
      fetchedAt: clock().toISOString(),
      apiPath: answer.path,
      httpStatus: answer.status,
      refetchRunId: runId,
    };
    // The id names the run and the customer: retrying the same run never writes twice.
    const id = uuidv5(`refetch/${runId}/${customerId}`);
    await store.appendToStream(customerStream(customerId), [
      { id, type, data: answer.body, metadata: { ...metadata } },
    ]);
    if (type === DETAILS_EVENT_TYPE) counts.details += 1;
    else counts.notFound += 1;
  }

  async function worker(): Promise<void> {
    while (!signal.aborted && next < plausible.length) {
      await fetchOne(plausible[next++]!);
    }
  }

  const workers = Math.max(1, Math.min(options.concurrency ?? 4, plausible.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  logger.info({ runId, ...counts, skipped, aborted: signal.aborted }, 'refetch finished');
  return { runId, ...counts };
}
