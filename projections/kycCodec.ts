/** The stored form of a kyc-history document (the `kyc_observations.doc` column). */
import type { KycDocument, TrackedField } from './kycObservations.js';

type EncodedState = [
  customerId: string,
  at: string,
  type: string,
  id: string,
  position: string,
  svixId: string | null,
  tie: string,
  /** Bit i set: TRACKED_FIELDS[i] is carried. */
  carried: number,
  status: string | null,
  onboardingLevel: string | null,
  riskScore: string | null,
  reason: string | null,
  causes?: readonly string[],
  fetchedAt?: string,
];

/** Observations stored positionally (they are most of the rows); runs as JSON objects. */
export function encodeKyc(doc: KycDocument): string {
  const o = doc.observation;
  if (o.kind !== 'state') return JSON.stringify(doc);
  const { status, onboardingLevel, riskScore } = o.values;
  const carried =
    (status === undefined ? 0 : 1) |
    (onboardingLevel === undefined ? 0 : 2) |
    (riskScore === undefined ? 0 : 4);
  const encoded: EncodedState = [
    doc.customerId,
    o.at,
    o.type,
    o.id,
    o.position,
    o.svixId,
    o.tie,
    carried,
    status ?? null,
    onboardingLevel ?? null,
    riskScore ?? null,
    o.reason,
  ];
  if (o.causes !== undefined) encoded.push(o.causes, o.fetchedAt);
  return JSON.stringify(encoded);
}

export function decodeKyc(text: string): KycDocument {
  const parsed = JSON.parse(text) as KycDocument | EncodedState;
  if (!Array.isArray(parsed)) return parsed;
  const [
    customerId,
    at,
    type,
    id,
    position,
    svixId,
    tie,
    carried,
    status,
    level,
    risk,
    reason,
    causes,
    fetchedAt,
  ] = parsed;
  const values: Partial<Record<TrackedField, string | null>> = {};
  if (carried & 1) values.status = status;
  if (carried & 2) values.onboardingLevel = level;
  if (carried & 4) values.riskScore = risk;
  const base = { kind: 'state' as const, at, type, id, position, svixId, tie, values, reason };
  return {
    customerId,
    observation: causes === undefined ? base : { ...base, causes, fetchedAt: fetchedAt! },
  };
}
