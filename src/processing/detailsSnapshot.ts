/**
 * A details snapshot (`compilot.customer.details`, or `compilot.customer.not-found` for a 404)
 * is evidence of what the ComPilot API said: the response body exactly as received, with the
 * request path, the HTTP status, the fetch time and the event that caused the fetch (which must
 * precede it in the same stream), all in what the event's link covers. Every writer of snapshots
 * builds them here: enrichment (caused by webhooks), `rebuild --refetch` (caused by the stream's
 * latest event when the run fetched), and anything added later with its own causation.
 */
import type { CustomersApi } from '../compilot/customers.js';
import { CompilotNotFoundError } from '../compilot/comPilotErrors.js';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';
import type { NewEvent } from '../store/eventStore.js';

/** What the API said, kept byte-exact. */
export interface FetchedDetails {
  readonly type: typeof DETAILS_EVENT_TYPE | typeof NOT_FOUND_EVENT_TYPE;
  readonly httpStatus: number;
  /** The response body exactly as received: never parsed and re-serialised. */
  readonly body: Buffer;
  readonly apiPath: string;
  /** ISO time the response was received. */
  readonly fetchedAt: string;
}

/** The event of the same stream that caused the fetch. */
export interface Causation {
  readonly id: string;
  readonly position: string;
}

export interface SnapshotInput {
  /** Deterministic, so a retried write is a duplicate. */
  readonly id: string;
  readonly fetched: FetchedDetails;
  readonly causation: Causation;
  /** What the writer adds (e.g. `causedBy`, `refetchRunId`); cannot override the evidence. */
  readonly extraMetadata?: Readonly<Record<string, unknown>>;
}

export function detailsSnapshotEvent(input: SnapshotInput): NewEvent {
  const { fetched, causation } = input;
  return {
    id: input.id,
    type: fetched.type,
    data: fetched.body,
    metadata: {
      ...input.extraMetadata,
      fetchedAt: fetched.fetchedAt,
      apiPath: fetched.apiPath,
      httpStatus: fetched.httpStatus,
      causationId: causation.id,
      causationPosition: causation.position,
    },
  };
}

/**
 * Asks the API for a customer's details and keeps the answer as evidence: a 2xx as details, a
 * 404 as not-found (its body kept too); any other failure is thrown.
 */
export async function fetchDetailsEvidence(
  customers: CustomersApi,
  customerId: string,
  options: { readonly signal?: AbortSignal; readonly clock: () => Date },
): Promise<FetchedDetails> {
  try {
    const answer = await customers.getCustomerDetails(customerId, { signal: options.signal });
    return {
      type: DETAILS_EVENT_TYPE,
      httpStatus: answer.status,
      body: answer.body,
      apiPath: answer.path,
      fetchedAt: options.clock().toISOString(),
    };
  } catch (error) {
    if (!(error instanceof CompilotNotFoundError)) throw error;
    return {
      type: NOT_FOUND_EVENT_TYPE,
      httpStatus: 404,
      body: error.body,
      apiPath: error.path,
      fetchedAt: options.clock().toISOString(),
    };
  }
}
