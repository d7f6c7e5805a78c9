/** What the kyc-history projection records: observations and runs, and their order. */
import { rankOf, type JsonObject } from './eventFacts.js';

export const TRACKED_FIELDS = ['status', 'onboardingLevel', 'riskScore'] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];
export type RunKind = 'scenario' | 'verification-flow';
/** `erased`: what is left of an observation of an erased customer (dates and ids). */
export type KycEntryKind = TrackedField | 'deleted' | RunKind | 'erased';

export interface Observed {
  /** ComPilot time (comPilotTime). */
  readonly at: string;
  readonly type: string;
  readonly id: string;
  readonly position: string;
  readonly svixId: string | null;
  /** Hash of the event's bytes: two deliveries of one fact sort together. */
  readonly tie: string;
}

/** A customer webhook or details snapshot: the tracked values it carries. */
export interface StateObservation extends Observed {
  readonly kind: 'state';
  readonly values: Readonly<Partial<Record<TrackedField, string | null>>>;
  readonly reason: string | null;
  /** Details snapshots: the webhook events it was fetched for, and when. */
  readonly causes?: readonly string[];
  readonly fetchedAt?: string;
}

export interface RunObservation extends Observed {
  readonly kind: RunKind;
  readonly executionId: string;
  readonly result: string | null;
  readonly detail: JsonObject;
}

/** An observation of an erased customer: when, which event, nothing it said. */
export interface ErasedObservation extends Observed {
  readonly kind: 'erased';
  /** What the observation was. */
  readonly was: 'state' | RunKind;
  readonly executionId?: string;
}

export type KycObservation = StateObservation | RunObservation | ErasedObservation;

/** One document per observation: the customer it belongs to and what was observed. */
export interface KycDocument {
  readonly customerId: string;
  readonly observation: KycObservation;
}

/** What two deliveries of one fact share: ComPilot time, source rank, content. */
export function factOf(o: Observed): string {
  return `${o.at}|${rankOf(o.type)}|${o.tie}`;
}

export function sortKey(o: Observed, part = 0): string {
  return `${o.at}|${rankOf(o.type)}|${o.tie}|${o.id}|${part}`;
}
