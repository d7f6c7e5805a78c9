/**
 * `customer-state`: the current state of each customer, folded from the customer's stream
 * (webhooks and details snapshots). Every field is last-writer-wins by ComPilot's own time
 * (see {@link comPilotTime} and {@link compareFacts}), never by arrival order, so out-of-order
 * and repeated deliveries converge on the same state. `foldCustomer` is usable without a
 * database (the audit API folds a stream up to a point in time with it).
 */
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../src/events/types.js';
import { streamCategory, streamEntityId } from '../src/events/streams.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import { ERASED_EVENT_TYPE } from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import {
  bodyOf,
  compareStamps,
  compareTies,
  eventEvidence,
  evidenceOf,
  fetchedAtOf,
  has,
  isoTime,
  memoCustomerId,
  payloadOf,
  text,
  type Evidence,
  type JsonObject,
  type TieValue,
} from './eventFacts.js';
import { decodeCustomer, encodeCustomer } from './customerCodec.js';
import { claimsOf, claimsTie, emailsOf } from './customerDetails.js';
import {
  SCALARS,
  copyOf,
  emptyCustomer,
  type CustomerState,
  type Draft,
  type EvidenceField,
  type ScalarField,
} from './customerTypes.js';
import type { Projection, RowsByTable } from './projection.js';
import { erasedCustomer, isErasedCustomer } from './erasedCustomer.js';
import { mergeWallets, observeWallet, sameWallets, walletsOfDetails } from './wallets.js';

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

/** Sets a field if this fact is newer than the one that set it; true if it did. */
function offer(draft: Draft, field: EvidenceField, tie: TieValue, evidence: Evidence): boolean {
  const current = draft.evidence[field];
  if (current !== undefined) {
    const order = compareStamps(evidence, current);
    if (order < 0) return false;
    // Same time and rank: the values decide (ties computed only now, they can be costly).
    if (order === 0) {
      const value = typeof tie === 'string' ? tie : tie();
      if (compareTies(evidence, value, current, tieOf(draft, field)) <= 0) return false;
    }
  }
  draft.evidence[field] = evidence;
  return true;
}

function tieOf(state: CustomerState, field: EvidenceField): string {
  switch (field) {
    case 'claims':
      return claimsTie(state);
    case 'emails':
      return state.emails.join('\n');
    case 'wallets':
      return JSON.stringify(state.walletsFromDetails);
    case 'deleted':
      return state.deletedAt ?? '';
    case 'fetch':
      return String(state.detailsNotFound);
    case 'erased':
      return state.evidence.erased?.at ?? '';
    default:
      return state[field] ?? '';
  }
}

function offerScalar(draft: Draft, field: ScalarField, value: string | null, ev: Evidence): void {
  const normalised = field === 'createdAt' ? (isoTime(value) ?? value) : value;
  if (offer(draft, field, normalised ?? '', ev)) draft[field] = normalised;
}

function touchUpdatedAt(draft: Draft, at: string): void {
  if (draft.updatedAt === null || draft.updatedAt < at) draft.updatedAt = at;
}

function applyCustomerWebhook(draft: Draft, payload: JsonObject, evidence: Evidence): void {
  for (const field of SCALARS) {
    if (has(payload, field)) offerScalar(draft, field, text(payload[field]), evidence);
  }
  touchUpdatedAt(draft, evidence.at);
  if (evidence.eventType === 'customer.deleted') {
    const deletedAt = isoTime(payload.deletedAt) ?? evidence.at;
    // Deletion is final: once any delete is known the customer stays deleted; the newest
    // delete says when.
    draft.deleted = true;
    if (offer(draft, 'deleted', deletedAt, evidence)) draft.deletedAt = deletedAt;
  }
}

function applyRun(draft: Draft, event: RecordedEvent, payload: JsonObject, ev: Evidence): void {
  // Runs carry no customer state, but may be the first to name the external id.
  if (has(payload, 'externalCustomerId') && text(payload.externalCustomerId) !== null) {
    offerScalar(draft, 'externalCustomerId', text(payload.externalCustomerId), ev);
  }
  const address = text(payload.address);
  if (address !== null && address !== '') {
    draft.walletsObserved = observeWallet(draft.walletsObserved, event, address, ev);
    draft.wallets = mergeWallets(draft.walletsFromDetails, draft.walletsObserved);
  }
}

/** `fetched`: the event's evidence at its fetch time (what the fetch fields record). */
function applyDetails(draft: Draft, body: JsonObject, evidence: Evidence, fetched: Evidence): void {
  for (const field of SCALARS) {
    if (field !== 'reason' && has(body, field)) {
      offerScalar(draft, field, text(body[field]), evidence);
    }
  }
  touchUpdatedAt(draft, evidence.at);
  const claims = claimsOf(body);
  if (claims !== undefined && offer(draft, 'claims', () => claimsTie(claims), evidence)) {
    Object.assign(draft, claims);
  }
  // A snapshot usually repeats the lists the state has: the state keeps its own then (same
  // content), and the merged wallets, which follow from the lists, stay as they are.
  if (Array.isArray(body.customerEmails)) {
    const emails = emailsOf(body.customerEmails as unknown[]);
    if (
      offer(draft, 'emails', () => emails.join('\n'), evidence) &&
      !sameStrings(draft.emails, emails)
    ) {
      draft.emails = emails;
    }
  }
  if (Array.isArray(body.customerWallets)) {
    const wallets = walletsOfDetails(body.customerWallets as unknown[]);
    if (
      offer(draft, 'wallets', () => JSON.stringify(wallets), evidence) &&
      !sameWallets(draft.walletsFromDetails, wallets)
    ) {
      draft.walletsFromDetails = wallets;
      draft.wallets = mergeWallets(wallets, draft.walletsObserved);
    }
  }
  applyFetch(draft, fetched, false);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function applyFetch(draft: Draft, evidence: Evidence, notFound: boolean): void {
  if (offer(draft, 'fetch', String(notFound), evidence)) {
    draft.detailsFetchedAt = evidence.at;
    draft.detailsNotFound = notFound;
  }
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
        doc: encodeCustomer(state),
      },
    ],
  };
}

export const customerStateProjection: Projection<CustomerState> = {
  name: 'customer-state',
  version: 2,
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
        { name: 'doc', type: 'TEXT', notNull: true, sealed: true },
      ],
      primaryKey: ['customer_id'],
      subject: 'customer_id',
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
