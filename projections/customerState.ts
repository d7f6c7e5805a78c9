/**
 * `customer-state`: the current state of each customer, folded from the customer's stream
 * (webhooks and details snapshots). Every field is last-writer-wins by ComPilot's own time
 * (see {@link comPilotTime} and {@link compareFacts}), never by arrival order, so out-of-order
 * and repeated deliveries converge on the same state. `foldCustomer` is usable without a
 * database (the audit API folds a stream up to a point in time with it). How each event type
 * changes the fields is in `customerFacts.ts`.
 */
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../src/events/types.js';
import { streamCategory, streamEntityId } from '../src/events/streams.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import { ERASED_EVENT_TYPE } from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import {
  bodyOf,
  eventEvidence,
  evidenceOf,
  fetchedAtOf,
  memoCustomerId,
  payloadOf,
  text,
} from './eventFacts.js';
import { decodeCustomer, encodeCustomer } from './customerCodec.js';
import { copyOf, emptyCustomer, type CustomerState, type Draft } from './customerTypes.js';
import { applyCustomerWebhook, applyDetails, applyFetch, applyRun } from './customerFacts.js';
import type { Projection, RowsByTable } from './projection.js';
import { erasedCustomer, isErasedCustomer } from './erasedCustomer.js';

export { comPilotTime } from './eventFacts.js';
export type { Evidence } from './eventFacts.js';
export type { CustomerWallet, ObservedWallet } from './wallets.js';
export type { CustomerClaims, CustomerState, EvidenceField } from './customerTypes.js';
export { decodeCustomer, encodeCustomer } from './customerCodec.js';

export const CUSTOMER_EVENT_TYPES_HANDLED: readonly string[] = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'send.scenario',
  'send.verification.flow',
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
];
const HANDLED = new Set([...CUSTOMER_EVENT_TYPES_HANDLED, ERASED_EVENT_TYPE]);

/**
 * The customer an event is about: the stream's id for customer streams, else the payload's.
 * None for an erased event (its data is gone; the erasure record speaks for it).
 */
export function customerIdOf(event: RecordedEvent): string | undefined {
  return memoCustomerId(event, computeCustomerId);
}

function computeCustomerId(event: RecordedEvent): string | undefined {
  if (!HANDLED.has(event.type) || isErasedEvent(event)) return undefined;
  if (streamCategory(event.streamName) === 'customer') return streamEntityId(event.streamName);
  if (event.type === NOT_FOUND_EVENT_TYPE || event.type === ERASED_EVENT_TYPE) return undefined;
  const source = event.type === DETAILS_EVENT_TYPE ? bodyOf(event) : payloadOf(event);
  return text(source.customerId ?? source.id) ?? undefined;
}

/**
 * Applies one event; events of other types or other customers leave the state as it is.
 * Applying an event twice, or any permutation of a set of events, gives the same state
 * (apart from `lastEventPosition`, which follows the log).
 */
export function evolveCustomer(
  state: CustomerState | undefined,
  event: RecordedEvent,
): CustomerState | undefined {
  return evolveInto(state, event, copyOf);
}

/**
 * {@link evolveCustomer} for a state the caller owns (see Projection.evolveOwned): updated in
 * place instead of copied, by the same code, so both give the same state.
 */
export function evolveOwnedCustomer(
  state: CustomerState,
  event: RecordedEvent,
): CustomerState | undefined {
  return evolveInto(state, event, asDraft);
}

/** An owned state is its own draft (TypeScript lets a readonly shape pass as a mutable one). */
function asDraft(state: CustomerState): Draft {
  return state;
}

function evolveInto(
  state: CustomerState | undefined,
  event: RecordedEvent,
  draftOf: (state: CustomerState) => Draft,
): CustomerState | undefined {
  const customerId = customerIdOf(event);
  if (customerId === undefined || (state !== undefined && state.customerId !== customerId)) {
    return state;
  }
  // Erasure is final: the stub comes from the record alone (so a rebuild, which no longer reads
  // the erased events, gives the same stub), and data arriving later is not folded back in.
  if (event.type === ERASED_EVENT_TYPE) return erasedCustomer(customerId, event);
  if (state !== undefined && isErasedCustomer(state)) return state;
  // The evidence first: it reads (and checks) the body, so an undecodable event throws before
  // an owned state is changed in place.
  const evidence = eventEvidence(event);
  const draft: Draft = state ? draftOf(state) : emptyCustomer(customerId, event.position);
  switch (event.type) {
    case 'customer.created':
    case 'customer.updated':
    case 'customer.deleted':
      applyCustomerWebhook(draft, payloadOf(event), evidence);
      break;
    case 'send.scenario':
    case 'send.verification.flow':
      applyRun(draft, event, payloadOf(event), evidence);
      break;
    case DETAILS_EVENT_TYPE:
      applyDetails(draft, bodyOf(event), evidence, evidenceOf(event, fetchedAtOf(event)));
      break;
    case NOT_FOUND_EVENT_TYPE:
      applyFetch(draft, evidenceOf(event, fetchedAtOf(event)), true);
      break;
  }
  if (draft.lastEventPosition < event.position) draft.lastEventPosition = event.position;
  return draft;
}

/** The state after every event, in any order; undefined if none is about a customer. */
export function foldCustomer(events: Iterable<RecordedEvent>): CustomerState | undefined {
  let state: CustomerState | undefined;
  for (const event of events) state = evolveCustomer(state, event);
  return state;
}

/** The `customers` row: query columns plus the encoded state (the document itself). */
function customerRows(_key: string, state: CustomerState | undefined): RowsByTable {
  if (state === undefined) return {};
  return {
    customers: [
      {
        customer_id: state.customerId,
        external_customer_id: state.externalCustomerId,
        status: state.status,
        risk_score: state.riskScore,
        onboarding_level: state.onboardingLevel,
        type: state.type,
        deleted: state.deleted ? 1 : 0,
        created_at: state.createdAt,
        updated_at: state.updatedAt,
        last_position: state.lastEventPosition,
        erased_at: state.evidence.erased?.at ?? null,
        doc: encodeCustomer(state),
      },
    ],
  };
}

export const customerStateProjection: Projection<CustomerState> = {
  name: 'customer-state',
  // 3: erased_at, and the stub it marks stored unsealed.
  version: 3,
  handles: [...CUSTOMER_EVENT_TYPES_HANDLED, ERASED_EVENT_TYPE],
  tables: [
    {
      name: 'customers',
      columns: [
        { name: 'customer_id', type: 'TEXT', notNull: true },
        { name: 'external_customer_id', type: 'TEXT' },
        { name: 'status', type: 'TEXT' },
        { name: 'risk_score', type: 'TEXT' },
        { name: 'onboarding_level', type: 'TEXT' },
        { name: 'type', type: 'TEXT' },
        { name: 'deleted', type: 'INTEGER', notNull: true },
        { name: 'created_at', type: 'TEXT' },
        { name: 'updated_at', type: 'TEXT' },
        { name: 'last_position', type: 'TEXT', notNull: true },
        // When the customer was erased (the erasure record's time); null for every other.
        { name: 'erased_at', type: 'TEXT' },
        { name: 'doc', type: 'TEXT', notNull: true, sealed: true },
      ],
      primaryKey: ['customer_id'],
      subject: 'customer_id',
      // An erased customer's stub holds ids and dates only, and must outlive the key.
      unsealedRows: { column: 'erased_at' },
      indexes: [['status', 'customer_id'], ['risk_score', 'customer_id'], ['external_customer_id']],
    },
  ],
  keyOf: customerIdOf,
  evolve: evolveCustomer,
  evolveOwned: evolveOwnedCustomer,
  rows: customerRows,
  storage: {
    encode: encodeCustomer,
    decode: decodeCustomer,
    inRow: { table: 'customers', column: 'doc' },
  },
};
