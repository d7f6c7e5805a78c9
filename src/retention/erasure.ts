/**
 * The erasure protocol. Crash-safe in the sense the ledger needs: either the customer's key is
 * gone and the erasure record is in the log, or neither (after recovery).
 *
 * 1. key -> erasing (reads still decrypt),
 * 2. append the erasure record to the customer's stream (idempotent id, expecting the revision
 *    the plan read, so an event arriving meanwhile makes the plan start over),
 * 3. append the purge markers: one per KYC observation (customer stream) and one per alert
 *    stream, so projections keyed per observation or alert purge their rows purely,
 * 4. destroy the key.
 *
 * Recovery (start of `serve` and of `erase`): a key left `erasing` whose customer has an
 * erasure record gets steps 3 and 4 again (idempotent); without a record it goes back to
 * `active`. Steps 3 and 4 work from the record alone.
 */
import { customerStream, alertStream } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { StreamRevisionConflictError } from '../store/eventStore.js';
import {
  ErasureRefusedError,
  planErasure,
  readWholeStream,
  type ErasureRequest,
} from './erasurePlan.js';
import { foldFacts } from '../../projections/relationshipEnd.js';
import { retentionStanding } from '../../projections/retentionStanding.js';
import {
  ALERT_PURGE_EVENT_TYPE,
  encodeRecord,
  ERASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
  recordData,
  type AlertPurgeData,
  type ErasedData,
  type KycPurgeData,
} from '../events/retentionEvents.js';
import { alertPurgeEventId, erasureEventId, kycPurgeEventId } from './erasureIds.js';
import type { SubjectKeys } from './subjectKeys.js';

export { ErasureRefusedError, type ErasureRequest } from './erasurePlan.js';

export type ErasureStep = 'erasing' | 'recorded' | 'purged' | 'destroyed';

export interface ErasureDeps {
  readonly store: EventStore;
  readonly keys: SubjectKeys;
  /** The customer's alert ids (the alerts read model). */
  readonly alertIdsOf: (customerId: string) => Promise<readonly string[]> | readonly string[];
  readonly retentionDays: number;
  readonly clock?: () => Date;
  /** Told after each step (the CLI prints progress; tests kill the process there). */
  readonly onStep?: (step: ErasureStep, customerId: string) => void;
}

export type ErasureOutcome =
  | { readonly kind: 'erased'; readonly record: ErasedData; readonly position: string }
  | { readonly kind: 'already-erased'; readonly record: ErasedData; readonly position: string };

const MAX_PLAN_ATTEMPTS = 5;

function findRecord(events: readonly RecordedEvent[], customerId: string) {
  const id = erasureEventId(customerId);
  return events.find((event) => event.id === id && event.type === ERASED_EVENT_TYPE);
}

export async function eraseCustomer(
  deps: ErasureDeps,
  request: ErasureRequest,
): Promise<ErasureOutcome> {
  const { store, keys } = deps;
  const { customerId } = request;
  const now = (deps.clock ?? (() => new Date()))();
  const stream = customerStream(customerId);
  const events = await readWholeStream(store, stream);
  if (events.length === 0) {
    throw new ErasureRefusedError(`customer ${customerId} has no events in the ledger`);
  }
  const existing = findRecord(events, customerId);
  if (existing !== undefined) {
    // Erased before (or a crash after the record): finish what the record says.
    await finishErasure(deps, existing);
    return {
      kind: 'already-erased',
      record: recordData<ErasedData>(existing),
      position: existing.position,
    };
  }
  checkPolicy(foldFacts(customerId, events), request, deps.retentionDays, now);
  const keyState = await keys.state(customerId);
  if (keyState === 'absent' || keyState === 'destroyed') {
    throw new ErasureRefusedError(
      keyState === 'absent'
        ? `customer ${customerId} has no data key: its events are not encrypted, so they cannot be erased (encrypt the store first)`
        : `the data key of customer ${customerId} is destroyed but no erasure record exists`,
    );
  }
  await keys.beginErasure(customerId);
  deps.onStep?.('erasing', customerId);
  let record: RecordedEvent | undefined;
  try {
    record = await appendRecord(deps, request, events, now);
  } catch (error) {
    // Only when the log says for sure there is no record does the key go back to active (if
    // the log cannot be read, the key stays erasing and recovery decides later).
    record = findRecord(await readWholeStream(store, stream), customerId);
    if (record === undefined) {
      await keys.abortErasure(customerId);
      throw error;
    }
  }
  deps.onStep?.('recorded', customerId);
  await finishErasure(deps, record);
  return { kind: 'erased', record: recordData<ErasedData>(record), position: record.position };
}

/** Step 2: plans and appends the record; re-plans when the stream moved meanwhile. */
async function appendRecord(
  deps: ErasureDeps,
  request: ErasureRequest,
  read: readonly RecordedEvent[],
  now: Date,
): Promise<RecordedEvent> {
  const { store } = deps;
  const { customerId } = request;
  const stream = customerStream(customerId);
  let events = read;
  for (let attempt = 1; ; attempt += 1) {
    const head = events.at(-1)!.revision;
    const data = await planErasure(store, {
      request,
      customer: { events, head },
      alertIds: await deps.alertIdsOf(customerId),
      retentionDays: deps.retentionDays,
      now,
    });
    try {
      await store.appendToStream(
        stream,
        [
          {
            id: erasureEventId(customerId),
            type: ERASED_EVENT_TYPE,
            data: encodeRecord(data),
            metadata: { erasedAt: data.erasedAt },
          },
        ],
        { expected: head },
      );
    } catch (error) {
      if (!(error instanceof StreamRevisionConflictError) || attempt >= MAX_PLAN_ATTEMPTS) {
        throw error;
      }
    }
    events = await readWholeStream(store, stream);
    const record = findRecord(events, customerId);
    if (record !== undefined) return record;
  }
}

function checkPolicy(
  facts: ReturnType<typeof foldFacts>,
  request: ErasureRequest,
  retentionDays: number,
  now: Date,
): void {
  if (request.override !== undefined) return;
  // The stage the query API, the viewer and `retention status` show (retentionStanding.ts).
  const standing = retentionStanding(facts, now.toISOString(), retentionDays);
  const { customerId } = request;
  const unless = 'erase it before only with --override "<legal basis>"';
  switch (standing.stage) {
    case 'held': {
      const until = standing.hold?.until ? `until ${standing.hold.until}` : 'until it is released';
      throw new ErasureRefusedError(
        `customer ${customerId} is under a retention hold ${until} (compilot-ledger hold): its data must be kept; ${unless}`,
      );
    }
    case 'restored':
      throw new ErasureRefusedError(
        `customer ${customerId} was deleted at ${standing.deletedAt} but ComPilot reported it again, not deleted, at ${standing.restoredAt}: the relationship has not ended (record an offboarding when it does); ${unless}`,
      );
    case 'active':
      throw new ErasureRefusedError(
        `customer ${customerId} has no end of relationship recorded (no customer.deleted, no offboarding): its retention period has not started; ${unless}`,
      );
    case 'retained': {
      const end = standing.relationshipEnd!;
      throw new ErasureRefusedError(
        `customer ${customerId} is not erasable before ${standing.erasableFrom} (${retentionDays} days after the end of the relationship, ${end.at} by ${end.source}); ${unless}`,
        standing.erasableFrom,
      );
    }
    case 'due':
    case 'erased':
      return;
  }
}

/** Steps 3 and 4, from the record alone; each is idempotent. */
async function finishErasure(deps: ErasureDeps, record: RecordedEvent): Promise<void> {
  const data = recordData<ErasedData>(record);
  const { customerId } = data;
  const erasureId = record.id;
  if (data.kyc.length > 0) {
    await deps.store.appendToStream(
      customerStream(customerId),
      data.kyc.map(({ key, stub }) => ({
        id: kycPurgeEventId(customerId, key),
        type: KYC_PURGE_EVENT_TYPE,
        data: encodeRecord({ customerId, erasureId, key, stub } satisfies KycPurgeData),
        metadata: { erasureId },
      })),
    );
  }
  for (const alert of data.alerts) {
    await deps.store.appendToStream(alertStream(alert.alertId), [
      {
        id: alertPurgeEventId(customerId, alert.alertId),
        type: ALERT_PURGE_EVENT_TYPE,
        data: encodeRecord({
          customerId,
          erasureId,
          erasedAt: data.erasedAt,
          alert,
        } satisfies AlertPurgeData),
        metadata: { erasureId },
      },
    ]);
  }
  deps.onStep?.('purged', customerId);
  const state = await deps.keys.state(customerId);
  if (state === 'active') await deps.keys.beginErasure(customerId);
  if (state !== 'destroyed' && state !== 'absent') await deps.keys.destroy(customerId);
  deps.onStep?.('destroyed', customerId);
}

export interface RecoveryResult {
  readonly finished: readonly string[];
  readonly aborted: readonly string[];
}

/** Finishes or undoes erasures a crash left half-done. */
export async function recoverErasures(
  deps: Pick<ErasureDeps, 'store' | 'keys' | 'onStep' | 'alertIdsOf' | 'retentionDays'>,
): Promise<RecoveryResult> {
  const finished: string[] = [];
  const aborted: string[] = [];
  for (const customerId of await deps.keys.erasing()) {
    const events = await readWholeStream(deps.store, customerStream(customerId));
    const record = findRecord(events, customerId);
    if (record === undefined) {
      await deps.keys.abortErasure(customerId);
      aborted.push(customerId);
    } else {
      await finishErasure(deps, record);
      finished.push(customerId);
    }
  }
  return { finished, aborted };
}
