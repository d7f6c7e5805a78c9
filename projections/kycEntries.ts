/**
 * The KYC history of one customer, computed from its observations: a pure walk, run by the
 * read-model query and by the in-memory fold alike.
 */
import { DETAILS_EVENT_TYPE } from '../src/events/types.js';
import type { JsonObject } from './eventFacts.js';
import {
  factOf,
  sortKey,
  TRACKED_FIELDS,
  type KycEntryKind,
  type KycObservation,
  type Observed,
  type StateObservation,
  type TrackedField,
} from './kycObservations.js';

/** An entry as the audit API returns it. */
export interface KycHistoryEntry {
  readonly customerId: string;
  readonly entryId: string;
  /** 0-based place in the customer's history. */
  readonly seq: number;
  readonly kind: KycEntryKind;
  readonly from: string | null;
  readonly to: string | null;
  /** ComPilot's time of the change (see comPilotTime), not the arrival time. */
  readonly effectiveAt: string;
  readonly reason: string | null;
  readonly evidence: KycEvidence;
  /** Scenario / verification-flow results. */
  readonly detail: JsonObject | null;
}

export interface KycEvidence {
  /** Which event carried the change. */
  readonly source: 'webhook' | 'details';
  /** The webhook that reported it (for a snapshot: the webhook it was fetched for). */
  readonly webhook: {
    readonly eventId: string;
    readonly eventType: string;
    readonly position: string;
    readonly svixId: string | null;
  } | null;
  /** The details snapshot that shows it (for a webhook: the one fetched because of it). */
  readonly snapshot: {
    readonly eventId: string;
    readonly position: string;
    readonly fetchedAt: string | null;
  } | null;
}

/**
 * The history of one customer from its observations (any order): the observations sorted by
 * {@link sortKey}, a run as one entry, a state observation as one entry per tracked value it
 * changes (plus `deleted` for the first delete).
 */
export function kycEntries(
  customerId: string,
  observations: readonly KycObservation[],
): KycHistoryEntry[] {
  const sorted = observations
    .map((o) => ({ o, key: sortKey(o) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ o }) => o);
  const states = sorted.filter((o): o is StateObservation => o.kind === 'state');
  // The snapshot fetched because of a webhook: the first one, in time order, that names it or
  // another delivery of the same fact among its causes.
  const byId = new Map(states.map((o) => [o.id, o]));
  const snapshotFor = new Map<string, StateObservation>();
  for (const o of states) {
    for (const cause of o.causes ?? []) {
      const webhook = byId.get(cause);
      if (webhook !== undefined && !snapshotFor.has(factOf(webhook)))
        snapshotFor.set(factOf(webhook), o);
    }
  }
  const entries: KycHistoryEntry[] = [];
  const push = (entry: Omit<KycHistoryEntry, 'customerId' | 'seq'>): void => {
    entries.push({ customerId, seq: entries.length, ...entry });
  };
  const current: Partial<Record<TrackedField, string | null>> = {};
  let deleted = false;
  for (const o of sorted) {
    if (o.kind === 'erased') {
      push({
        entryId: `erased:${o.executionId ?? o.id}`,
        kind: 'erased',
        from: null,
        to: null,
        effectiveAt: o.at,
        reason: null,
        evidence: {
          source: o.type === DETAILS_EVENT_TYPE ? 'details' : 'webhook',
          webhook: webhookOf(o),
          snapshot: null,
        },
        detail: null,
      });
      continue;
    }
    if (o.kind !== 'state') {
      push({
        entryId: `${o.kind}:${o.executionId}`,
        kind: o.kind,
        from: null,
        to: o.result,
        effectiveAt: o.at,
        reason: null,
        evidence: { source: 'webhook', webhook: webhookOf(o), snapshot: null },
        detail: o.detail,
      });
      continue;
    }
    const evidence = evidenceOf(o, states, snapshotFor);
    const change = (kind: KycEntryKind, from: string | null, to: string | null): void =>
      push({
        entryId: `${kind}:${o.id}`,
        kind,
        from,
        to,
        effectiveAt: o.at,
        reason: o.reason,
        evidence,
        detail: null,
      });
    for (const field of TRACKED_FIELDS) {
      const value = o.values[field];
      if (value === undefined) continue;
      const previous = current[field];
      current[field] = value;
      if (previous === undefined ? value !== null : previous !== value)
        change(field, previous ?? null, value);
    }
    if (o.type === 'customer.deleted' && !deleted) {
      deleted = true;
      change('deleted', null, null);
    }
  }
  return entries;
}

function webhookOf(o: Observed): NonNullable<KycEvidence['webhook']> {
  return { eventId: o.id, eventType: o.type, position: o.position, svixId: o.svixId };
}

function evidenceOf(
  o: StateObservation,
  states: readonly StateObservation[],
  snapshotFor: ReadonlyMap<string, StateObservation>,
): KycEvidence {
  const snapshotOf = (s: StateObservation) => ({
    eventId: s.id,
    position: s.position,
    fetchedAt: s.fetchedAt ?? null,
  });
  if (o.type === DETAILS_EVENT_TYPE) {
    const causes = o.causes ?? [];
    const cause = states.find((w) => causes.includes(w.id));
    return { source: 'details', webhook: cause ? webhookOf(cause) : null, snapshot: snapshotOf(o) };
  }
  const snapshot = snapshotFor.get(factOf(o));
  return {
    source: 'webhook',
    webhook: webhookOf(o),
    snapshot: snapshot ? snapshotOf(snapshot) : null,
  };
}
