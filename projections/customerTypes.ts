/** The shape of a customer's state (customer-state projection and the audit API's fold). */
import type { Evidence } from './eventFacts.js';
import type { CustomerWallet, ObservedWallet } from './wallets.js';

/** Fields whose value is decided by the newest fact; `evidence` names the event that set each. */
export const SCALARS = [
  'externalCustomerId',
  'type',
  'status',
  'riskScore',
  'onboardingLevel',
  'reason',
  'createdAt',
] as const;
export type ScalarField = (typeof SCALARS)[number];

export interface CustomerClaims {
  readonly name: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly birthdate: string | null;
  readonly nationality: string | null;
  readonly residence: string | null;
}

/** `erased`: the erasure record that reduced the state to a stub (src/retention/). */
export type EvidenceField =
  ScalarField | 'claims' | 'emails' | 'wallets' | 'deleted' | 'fetch' | 'erased';

export interface CustomerState extends CustomerClaims {
  readonly customerId: string;
  readonly externalCustomerId: string | null;
  readonly type: string | null;
  readonly status: string | null;
  readonly riskScore: string | null;
  readonly onboardingLevel: string | null;
  /** The reason ComPilot gave with the newest customer webhook that carried one. */
  readonly reason: string | null;
  readonly emails: readonly string[];
  /** The newest snapshot's wallets plus addresses evaluated in scenarios and verification flows. */
  readonly wallets: readonly CustomerWallet[];
  readonly walletsFromDetails: readonly CustomerWallet[];
  readonly walletsObserved: readonly ObservedWallet[];
  /** ComPilot's creation time of the customer. */
  readonly createdAt: string | null;
  /** ComPilot time of the newest customer webhook or snapshot applied. */
  readonly updatedAt: string | null;
  readonly deleted: boolean;
  readonly deletedAt: string | null;
  /** Our fetch time of the newest details answer, and whether it was a 404. */
  readonly detailsFetchedAt: string | null;
  readonly detailsNotFound: boolean;
  /** The newest position in the log of an event about this customer. */
  readonly lastEventPosition: string;
  /** For every field that has been set: the event that set it. */
  readonly evidence: Readonly<Partial<Record<EvidenceField, Evidence>>>;
}

export const NO_CLAIMS: CustomerClaims = {
  name: null,
  givenName: null,
  familyName: null,
  birthdate: null,
  nationality: null,
  residence: null,
};

/** Every field that carries evidence, in a fixed order (the stored form relies on it). */
export const EVIDENCE_FIELDS: readonly EvidenceField[] = [
  ...SCALARS,
  'claims',
  'emails',
  'wallets',
  'deleted',
  'fetch',
  'erased',
];

/** A state being evolved: mutable, never visible outside evolve. */
export type Draft = { -readonly [K in keyof CustomerState]: CustomerState[K] } & {
  evidence: Partial<Record<EvidenceField, Evidence>>;
};

/** A field-by-field copy: much cheaper than an object spread of this many fields. */
export function copyOf(state: CustomerState): Draft {
  return {
    customerId: state.customerId,
    externalCustomerId: state.externalCustomerId,
    type: state.type,
    status: state.status,
    riskScore: state.riskScore,
    onboardingLevel: state.onboardingLevel,
    reason: state.reason,
    name: state.name,
    givenName: state.givenName,
    familyName: state.familyName,
    birthdate: state.birthdate,
    nationality: state.nationality,
    residence: state.residence,
    emails: state.emails,
    wallets: state.wallets,
    walletsFromDetails: state.walletsFromDetails,
    walletsObserved: state.walletsObserved,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    deleted: state.deleted,
    deletedAt: state.deletedAt,
    detailsFetchedAt: state.detailsFetchedAt,
    detailsNotFound: state.detailsNotFound,
    lastEventPosition: state.lastEventPosition,
    evidence: { ...state.evidence },
  };
}

export function emptyCustomer(customerId: string, position: string): Draft {
  return {
    customerId,
    externalCustomerId: null,
    type: null,
    status: null,
    riskScore: null,
    onboardingLevel: null,
    reason: null,
    ...NO_CLAIMS,
    emails: [],
    wallets: [],
    walletsFromDetails: [],
    walletsObserved: [],
    createdAt: null,
    updatedAt: null,
    deleted: false,
    deletedAt: null,
    detailsFetchedAt: null,
    detailsNotFound: false,
    lastEventPosition: position,
    evidence: {},
  };
}
