/**
 * The stored form of a customer state (the `customers.doc` column), about half the size of its
 * JSON: positional fields, each distinct evidence once (most fields share the event that set
 * them), merged wallets recomputed on decode.
 */
import type { Evidence } from './eventFacts.js';
import { EVIDENCE_FIELDS, type CustomerState, type EvidenceField } from './customerTypes.js';
import { mergeWallets, type CustomerWallet, type ObservedWallet } from './wallets.js';

type EncodedEvidence = [
  at: string,
  eventType: string,
  eventId: string,
  position: string,
  svixId: string | null,
  content: string,
];
type EncodedWallet = [
  address: string,
  namespace: string | null,
  verified: boolean | null,
  source: string,
  seenIn?: number,
];

export function encodeCustomer(state: CustomerState): string {
  const sources: EncodedEvidence[] = [];
  const seen = new Map<Evidence, number>();
  const ref = (evidence: Evidence | undefined): number => {
    if (evidence === undefined) return -1;
    let index = seen.get(evidence);
    if (index === undefined) {
      index = sources.findIndex(
        (s) => s[2] === evidence.eventId && s[0] === evidence.at && s[3] === evidence.position,
      );
      if (index < 0) {
        index =
          sources.push([
            evidence.at,
            evidence.eventType,
            evidence.eventId,
            evidence.position,
            evidence.svixId,
            evidence.content,
          ]) - 1;
      }
      seen.set(evidence, index);
    }
    return index;
  };
  const wallet = (w: CustomerWallet): EncodedWallet => [
    w.address,
    w.namespace,
    w.verified,
    w.source,
  ];
  return JSON.stringify([
    state.customerId,
    state.externalCustomerId,
    state.type,
    state.status,
    state.riskScore,
    state.onboardingLevel,
    state.reason,
    state.name,
    state.givenName,
    state.familyName,
    state.birthdate,
    state.nationality,
    state.residence,
    state.emails,
    state.walletsFromDetails.map(wallet),
    state.walletsObserved.map((w): EncodedWallet => [
      w.address,
      w.namespace,
      w.verified,
      w.source,
      ref(w.seenIn),
    ]),
    state.createdAt,
    state.updatedAt,
    state.deleted,
    state.deletedAt,
    state.detailsFetchedAt,
    state.detailsNotFound,
    state.lastEventPosition,
    EVIDENCE_FIELDS.map((field) => ref(state.evidence[field])),
    sources,
  ]);
}

export function decodeCustomer(text: string): CustomerState {
  const [
    customerId,
    externalCustomerId,
    type,
    status,
    riskScore,
    onboardingLevel,
    reason,
    name,
    givenName,
    familyName,
    birthdate,
    nationality,
    residence,
    emails,
    fromDetails,
    observed,
    createdAt,
    updatedAt,
    deleted,
    deletedAt,
    detailsFetchedAt,
    detailsNotFound,
    lastEventPosition,
    refs,
    encodedSources,
  ] = JSON.parse(text) as EncodedCustomer;
  const sources = encodedSources.map(
    ([at, eventType, eventId, position, svixId, content]): Evidence => ({
      at,
      eventType,
      eventId,
      position,
      svixId,
      content,
    }),
  );
  const evidence: Partial<Record<EvidenceField, Evidence>> = {};
  EVIDENCE_FIELDS.forEach((field, i) => {
    const index = refs[i]!;
    if (index >= 0) evidence[field] = sources[index]!;
  });
  const walletOf = ([address, namespace, verified, source]: EncodedWallet): CustomerWallet => ({
    address,
    namespace,
    verified,
    source: source as CustomerWallet['source'],
  });
  const walletsFromDetails = fromDetails.map(walletOf);
  const walletsObserved = observed.map((w): ObservedWallet => ({
    ...walletOf(w),
    seenIn: sources[w[4]!]!,
  }));
  return {
    customerId,
    externalCustomerId,
    type,
    status,
    riskScore,
    onboardingLevel,
    reason,
    name,
    givenName,
    familyName,
    birthdate,
    nationality,
    residence,
    emails,
    wallets: mergeWallets(walletsFromDetails, walletsObserved),
    walletsFromDetails,
    walletsObserved,
    createdAt,
    updatedAt,
    deleted,
    deletedAt,
    detailsFetchedAt,
    detailsNotFound,
    lastEventPosition,
    evidence,
  };
}

type EncodedCustomer = [
  customerId: string,
  externalCustomerId: string | null,
  type: string | null,
  status: string | null,
  riskScore: string | null,
  onboardingLevel: string | null,
  reason: string | null,
  name: string | null,
  givenName: string | null,
  familyName: string | null,
  birthdate: string | null,
  nationality: string | null,
  residence: string | null,
  emails: string[],
  walletsFromDetails: EncodedWallet[],
  walletsObserved: EncodedWallet[],
  createdAt: string | null,
  updatedAt: string | null,
  deleted: boolean,
  deletedAt: string | null,
  detailsFetchedAt: string | null,
  detailsNotFound: boolean,
  lastEventPosition: string,
  evidence: number[],
  sources: EncodedEvidence[],
];
