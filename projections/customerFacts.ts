/**
 * How each kind of customer event changes a customer-state draft: the appliers for webhooks,
 * scenario/flow runs, details snapshots and fetch results, and the last-writer-wins offer they
 * share (see {@link compareStamps} and {@link compareTies}). Separate from `customerState.ts`,
 * which owns the projection itself (which events are about which customer, erasure, rows), so
 * the per-field rules can be read on their own. Everything here mutates the draft it is given;
 * the caller decides whether that draft is a copy or an owned state.
 */
import type { RecordedEvent } from '../src/store/eventStore.js';
import {
  compareStamps,
  compareTies,
  has,
  isoTime,
  text,
  type Evidence,
  type JsonObject,
  type TieValue,
} from './eventFacts.js';
import { claimsOf, claimsTie, emailsOf } from './customerDetails.js';
import {
  SCALARS,
  type CustomerState,
  type Draft,
  type EvidenceField,
  type ScalarField,
} from './customerTypes.js';
import { mergeWallets, observeWallet, sameWallets, walletsOfDetails } from './wallets.js';

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

export function applyCustomerWebhook(draft: Draft, payload: JsonObject, evidence: Evidence): void {
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

export function applyRun(
  draft: Draft,
  event: RecordedEvent,
  payload: JsonObject,
  ev: Evidence,
): void {
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
export function applyDetails(
  draft: Draft,
  body: JsonObject,
  evidence: Evidence,
  fetched: Evidence,
): void {
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

export function applyFetch(draft: Draft, evidence: Evidence, notFound: boolean): void {
  if (offer(draft, 'fetch', String(notFound), evidence)) {
    draft.detailsFetchedAt = evidence.at;
    draft.detailsNotFound = notFound;
  }
}
