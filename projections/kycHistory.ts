/**
 * `kyc-history`: per customer, one entry per change of status, onboarding level or risk score,
 * plus every scenario execution and verification flow with its results, in ComPilot's time
 * order, with the evidence of each.
 *
 * The read model keeps what the history is computed from: one row per observation (a customer
 * webhook or a details snapshot, with the tracked values it carries) and one row per execution
 * (repeated deliveries keep the earliest copy). Every event adds at most one small row, so a
 * late or repeated delivery never rewrites anything. The entries are a pure walk over a
 * customer's observations sorted by a key of ComPilot time, source rank, content hash and event
 * id ({@link kycEntries}), run by the query and by {@link kycHistoryOf} alike: the history
 * converges whatever the delivery order, and repeats change nothing.
 */
import { streamCategory, streamEntityId } from '../src/events/streams.js';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../src/events/types.js';
import {
  KYC_PURGE_EVENT_TYPE,
  recordData,
  type KycPurgeData,
} from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { CUSTOMER_EVENT_TYPES_HANDLED, customerIdOf } from './customerState.js';
import {
  bodyOf,
  causedByOf,
  comPilotTime,
  contentHash,
  fetchedAtOf,
  has,
  payloadOf,
  svixIdOf,
  text,
} from './eventFacts.js';
import { decodeKyc, encodeKyc } from './kycCodec.js';
import { kycEntries, type KycHistoryEntry } from './kycEntries.js';
import {
  sortKey,
  TRACKED_FIELDS,
  type ErasedObservation,
  type KycDocument,
  type KycObservation,
  type RunKind,
  type RunObservation,
  type StateObservation,
  type TrackedField,
} from './kycObservations.js';
import type { Projection, RowsByTable } from './projection.js';
import { summariseRun } from './runResults.js';

export { decodeKyc, encodeKyc } from './kycCodec.js';
export { kycEntries, type KycEvidence, type KycHistoryEntry } from './kycEntries.js';
export {
  sortKey,
  TRACKED_FIELDS,
  type KycDocument,
  type KycEntryKind,
  type KycObservation,
  type RunKind,
  type RunObservation,
  type StateObservation,
  type TrackedField,
} from './kycObservations.js';

/**
 * What customer-state reads, except not-found answers (they change nothing tracked), and the
 * markers an erasure leaves, one per observation of the erased customer.
 */
const HANDLED = [
  ...CUSTOMER_EVENT_TYPES_HANDLED.filter((type) => type !== NOT_FOUND_EVENT_TYPE),
  KYC_PURGE_EVENT_TYPE,
];
const HANDLED_SET = new Set(HANDLED);

function runKind(type: string): RunKind | undefined {
  if (type === 'send.scenario') return 'scenario';
  if (type === 'send.verification.flow') return 'verification-flow';
  return undefined;
}

/**
 * An observation's key is its log position (short and unique); a run's is
 * `<customerId>|<kind>|<executionId>`, so repeated deliveries of an execution meet.
 */
export function kycKeyOf(event: RecordedEvent): string | undefined {
  if (!HANDLED_SET.has(event.type)) return undefined;
  if (event.type === KYC_PURGE_EVENT_TYPE) return purgeOf(event)?.key;
  const customerId = customerIdOf(event);
  if (customerId === undefined) return undefined;
  const kind = runKind(event.type);
  if (kind === undefined) return event.position;
  return `${customerId}|${kind}|${text(payloadOf(event).executionId) ?? event.id}`;
}

export function evolveKyc(
  doc: KycDocument | undefined,
  event: RecordedEvent,
): KycDocument | undefined {
  if (event.type === KYC_PURGE_EVENT_TYPE) return erasedObservation(event) ?? doc;
  // Erasure is final: a stub is not replaced by a later copy of what it was.
  if (doc?.observation.kind === 'erased') return doc;
  const customerId = customerIdOf(event);
  if (customerId === undefined || !HANDLED_SET.has(event.type)) return doc;
  const kind = runKind(event.type);
  const observation = kind === undefined ? observeState(event) : observeRun(event, kind);
  // A run delivered again keeps its earliest copy; an observation never changes.
  if (doc !== undefined && sortKey(doc.observation) <= sortKey(observation)) return doc;
  return { customerId, observation };
}

/** The marker's data, when it is one in the customer's own stream. */
function purgeOf(event: RecordedEvent): KycPurgeData | undefined {
  const customerId =
    streamCategory(event.streamName) === 'customer' ? streamEntityId(event.streamName) : undefined;
  if (customerId === undefined) return undefined;
  const data = recordData<KycPurgeData>(event);
  return data.customerId === customerId ? data : undefined;
}

/** The stub an erasure marker stands for, from the marker alone (so rebuilds agree). */
function erasedObservation(event: RecordedEvent): KycDocument | undefined {
  const data = purgeOf(event);
  if (data === undefined) return undefined;
  const { kind, executionId, ...observed } = data.stub;
  const observation: ErasedObservation = {
    ...observed,
    kind: 'erased',
    was: kind,
    ...(executionId === undefined ? {} : { executionId }),
  };
  return { customerId: data.customerId, observation };
}

/** Most events are observations: built in one object literal (spreads cost more). */
function observeState(event: RecordedEvent): StateObservation {
  const details = event.type === DETAILS_EVENT_TYPE;
  const source = details ? bodyOf(event) : payloadOf(event);
  const values: Partial<Record<TrackedField, string | null>> = {};
  for (const field of TRACKED_FIELDS) {
    if (has(source, field)) values[field] = text(source[field]);
  }
  const at = comPilotTime(event)!;
  const svixId = svixIdOf(event);
  const tie = contentHash(event);
  const { type, id, position } = event;
  return details
    ? {
        kind: 'state',
        at,
        type,
        id,
        position,
        svixId,
        tie,
        values,
        reason: null,
        causes: causedByOf(event),
        fetchedAt: fetchedAtOf(event),
      }
    : { kind: 'state', at, type, id, position, svixId, tie, values, reason: text(source.reason) };
}

function observeRun(event: RecordedEvent, kind: RunKind): RunObservation {
  const payload = payloadOf(event);
  const { summary, detail } = summariseRun(kind, payload);
  // Spelled out rather than spread from `observed` (cheaper); the key order is the stored one
  // (runs are stored as JSON).
  return {
    at: comPilotTime(event)!,
    type: event.type,
    id: event.id,
    position: event.position,
    svixId: svixIdOf(event),
    tie: contentHash(event),
    kind,
    executionId: text(payload.executionId) ?? event.id,
    result: summary,
    detail,
  };
}

/** The KYC history of events (any order, repeats allowed) without a database, per customer. */
export function kycHistoryOf(events: Iterable<RecordedEvent>): KycHistoryEntry[] {
  const docs = new Map<string, KycDocument | undefined>();
  for (const event of events) {
    const key = kycKeyOf(event);
    if (key !== undefined) docs.set(key, evolveKyc(docs.get(key), event));
  }
  const byCustomer = new Map<string, KycObservation[]>();
  for (const doc of docs.values()) {
    if (doc === undefined) continue;
    const list = byCustomer.get(doc.customerId) ?? [];
    list.push(doc.observation);
    byCustomer.set(doc.customerId, list);
  }
  return [...byCustomer.keys()].sort().flatMap((id) => kycEntries(id, byCustomer.get(id)!));
}

function kycRows(key: string, doc: KycDocument | undefined): RowsByTable {
  if (doc === undefined) return {};
  const { observation } = doc;
  return {
    kyc_observations: [
      {
        observation_key: key,
        customer_id: doc.customerId,
        kind: observation.kind,
        doc: encodeKyc(doc),
      },
    ],
  };
}

export const kycHistoryProjection: Projection<KycDocument> = {
  name: 'kyc-history',
  // 3: state observations and erased stubs are stored unsealed (unsealedRows).
  version: 3,
  handles: HANDLED,
  tables: [
    {
      name: 'kyc_observations',
      columns: [
        { name: 'observation_key', type: 'TEXT', notNull: true },
        { name: 'customer_id', type: 'TEXT', notNull: true },
        { name: 'kind', type: 'TEXT', notNull: true },
        { name: 'doc', type: 'TEXT', notNull: true, sealed: true },
      ],
      primaryKey: ['observation_key'],
      subject: 'customer_id',
      // A state observation holds ComPilot's status, onboarding level, risk score and automation
      // reason with ids and dates: the same data as the customers table's plaintext query
      // columns. Runs hold wallet addresses and per-object verdicts: sealed. An erased stub
      // holds ids and dates only. Erasure purges the unsealed rows (purge markers), it does not
      // rely on the key for them (docs/retention.md).
      unsealedRows: { column: 'kind', values: ['state', 'erased'] },
      // The entries are ordered by kycEntries, which sorts the customer's observations itself.
      indexes: [['customer_id']],
    },
  ],
  keyOf: kycKeyOf,
  // An observation is keyed by its own position: nothing is stored under it before it is applied.
  isNewKey: (key, event) => key === event.position,
  evolve: evolveKyc,
  rows: kycRows,
  storage: {
    encode: encodeKyc,
    decode: decodeKyc,
    inRow: { table: 'kyc_observations', column: 'doc' },
  },
};
