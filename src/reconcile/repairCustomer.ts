/**
 * The per-customer step of a reconciliation run: confirm a difference against the customer's
 * own stream, fetch the details, and append them as a snapshot caused by the run's start record
 * (through {@link detailsSnapshotEvent}, the one place snapshot evidence is laid out). The snapshot id
 * follows from the run and the customer, so a resumed run never records a customer twice.
 */
import { foldCustomer, type CustomerState } from '../../projections/customerState.js';
import type { CustomersApi } from '../compilot/customers.js';
import { CompilotNotFoundError, isCompilotApiError } from '../compilot/comPilotErrors.js';
import type { CustomerListItem } from '../compilot/comPilotTypes.js';
import { customerStream } from '../events/streams.js';
import { DETAILS_EVENT_TYPE } from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import { detailsSnapshotEvent, type FetchedDetails } from '../processing/detailsSnapshot.js';
import { appendUnlessErased, holdsErasureRecord } from '../processing/erasureGuard.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { compareEntry, type Difference, type LedgerView } from './compareEntry.js';
import type { RunCounts, StartRef } from './runRecords.js';

export interface RepairerDeps {
  readonly store: EventStore;
  readonly customers: CustomersApi;
  readonly signal: AbortSignal;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly runId: string;
  /** Undefined only for a dry run, which writes nothing. */
  readonly startRef: StartRef | undefined;
  readonly dryRun: boolean;
  readonly counts: { -readonly [K in keyof RunCounts]: number };
  readonly onDifference: (customerId: string, fields: Difference[]) => void;
}

export interface Repairer {
  /** A listed customer the read model says differs (or any, when rechecking). */
  checkEntry(entry: CustomerListItem): Promise<void>;
  /** A customer live in the ledger that the list did not return. */
  checkUnlisted(customerId: string): Promise<'missing' | 'present' | 'failed'>;
}

/** The snapshot a run appends for a customer. */
export function reconcileSnapshotId(runId: string, customerId: string): string {
  return uuidv5(`reconcile/${runId}/${customerId}`);
}

export function createRepairer(deps: RepairerDeps): Repairer {
  const { store, customers, signal, counts, logger, runId } = deps;

  async function ledgerState(customerId: string) {
    const events = await store.readStream(customerStream(customerId));
    const snapshotId = reconcileSnapshotId(runId, customerId);
    return {
      state: foldCustomer(events),
      recorded: events.find((e) => e.id === snapshotId),
      // Never fetched again once erased: ComPilot may still list it, the ledger must not refill it.
      erased: holdsErasureRecord(events),
    };
  }

  /**
   * Fetches the details and appends them, unless they agree with the ledger after all. That is
   * judged on the customer's stream as it stands when the snapshot is appended, not as it stood
   * before the fetch: a webhook in flight when the list was read may have brought the ledger up
   * to date meanwhile (a snapshot then would claim a difference the log no longer shows), and
   * the customer may have been erased meanwhile (its data must not come back).
   */
  async function record(
    customerId: string,
    cause: { listEntry: CustomerListItem | null; differences: Difference[] },
  ): Promise<void> {
    counts.fetched += 1;
    let fetched: FetchedDetails;
    let answer: CustomerListItem;
    try {
      const response = await customers.getCustomerDetails(customerId, { signal });
      fetched = {
        type: DETAILS_EVENT_TYPE,
        httpStatus: response.status,
        body: response.body,
        apiPath: response.path,
        fetchedAt: deps.clock().toISOString(),
      };
      answer = asListEntry(response.json);
    } catch (error) {
      signal.throwIfAborted();
      // Gone between the list and the details call: nothing to record; the next run sees it.
      if (error instanceof CompilotNotFoundError) counts.unconfirmed += 1;
      else fail(error);
      return;
    }
    const start = deps.startRef!;
    const event = detailsSnapshotEvent({
      id: reconcileSnapshotId(runId, customerId),
      fetched,
      causation: start,
      extraMetadata: {
        causedBy: [{ id: start.id, position: start.position }],
        causation: `reconcile-${runId}`,
        reconciliation: { runId, listEntry: cause.listEntry, differences: cause.differences },
      },
    });
    const stillDiffers = (events: readonly RecordedEvent[]): boolean => {
      const state = foldCustomer(events);
      return state === undefined || compareEntry(answer, viewOf(state)).length > 0;
    };
    try {
      const outcome = await appendUnlessErased(store, customerId, event, stillDiffers);
      if (outcome === 'appended') counts.appended += 1;
      else if (outcome !== 'duplicate') counts.unconfirmed += 1;
    } catch (error) {
      signal.throwIfAborted();
      fail(error);
    }
  }

  function fail(error: unknown): void {
    counts.failed += 1;
    // Neither the customer id nor the error message (it holds the path) goes into the log.
    const errorType = isCompilotApiError(error)
      ? error.type
      : error instanceof Error
        ? error.name
        : 'Error';
    const status = isCompilotApiError(error) ? error.status : undefined;
    logger.warn({ runId, errorType, status }, 'reconciliation could not repair a customer');
  }

  function found(customerId: string, fields: Difference[]): void {
    counts.differing += 1;
    deps.onDifference(customerId, fields);
  }

  return {
    async checkEntry(entry) {
      const { state, recorded, erased } = await ledgerState(entry.id);
      if (erased) return;
      if (recorded !== undefined) {
        // Recorded by this run before it crashed and was resumed: count it, do not redo it.
        const meta = recorded.metadata.reconciliation as { differences?: Difference[] } | undefined;
        found(entry.id, meta?.differences ?? []);
        counts.fetched += 1;
        counts.appended += 1;
        return;
      }
      const view = state === undefined ? undefined : viewOf(state);
      const fields = compareEntry(entry, view);
      if (fields.length === 0) return;
      found(entry.id, fields);
      if (!deps.dryRun) await record(entry.id, { listEntry: entry, differences: fields });
    },

    async checkUnlisted(customerId) {
      const { state, erased } = await ledgerState(customerId);
      if (state === undefined || state.deleted || erased) return 'present';
      if (deps.dryRun) {
        counts.missing += 1;
        return 'missing';
      }
      counts.fetched += 1;
      let json: object;
      try {
        json = (await customers.getCustomerDetails(customerId, { signal })).json;
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof CompilotNotFoundError) {
          counts.missing += 1;
          return 'missing';
        }
        fail(error);
        return 'failed';
      }
      // Still there: an offset-paged list skipped it while customers were removed meanwhile.
      const view = viewOf(state);
      const fields = compareEntry(asListEntry(json), view);
      if (fields.length > 0) {
        found(customerId, fields);
        await record(customerId, { listEntry: null, differences: fields });
      }
      return 'present';
    },
  };
}

function viewOf(state: CustomerState): LedgerView {
  return {
    status: state.status,
    riskScore: state.riskScore,
    onboardingLevel: state.onboardingLevel,
    updatedAt: state.updatedAt,
  };
}

/** The details' camelCase fields under the list's keys, only those the details carry. */
function asListEntry(body: object): CustomerListItem {
  const details = body as Readonly<Record<string, unknown>>;
  const entry: Record<string, unknown> = { id: details.id };
  if ('status' in details) entry.status = details.status;
  if ('riskScore' in details) entry.risk_score = details.riskScore;
  if ('onboardingLevel' in details) entry.onboarding_level = details.onboardingLevel;
  if ('updatedAt' in details) entry.updatedAt = details.updatedAt;
  return entry as unknown as CustomerListItem;
}
