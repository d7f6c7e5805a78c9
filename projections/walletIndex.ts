/**
 * `wallet-index`: wallet address -> customer(s), for matching the wallet of a web session to
 * its ComPilot customer. Per customer the newest details snapshot's `customerWallets` (by
 * ComPilot time) plus every address a scenario or verification flow evaluated for the
 * customer. Keys: EVM addresses lower-cased, other namespaces exact (see {@link walletKey}).
 */
import { DETAILS_EVENT_TYPE } from '../src/events/types.js';
import { ERASED_EVENT_TYPE } from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { customerIdOf } from './customerState.js';
import {
  bodyOf,
  compareFacts,
  eventEvidence,
  payloadOf,
  text,
  type Evidence,
} from './eventFacts.js';
import {
  jsonStorage,
  type DocumentStorage,
  type Projection,
  type RowsByTable,
} from './projection.js';
import {
  mergeWallets,
  observeWallet,
  sameWallets,
  walletKey,
  walletsOfDetails,
  type CustomerWallet,
  type ObservedWallet,
} from './wallets.js';

export interface WalletIndexState {
  readonly customerId: string;
  readonly fromDetails: readonly CustomerWallet[];
  readonly detailsEvidence: Evidence | null;
  readonly observed: readonly ObservedWallet[];
}

export function evolveWallets(
  state: WalletIndexState | undefined,
  event: RecordedEvent,
): WalletIndexState | undefined {
  const customerId = customerIdOf(event);
  if (customerId === undefined || (state !== undefined && state.customerId !== customerId)) {
    return state;
  }
  // An erased customer's wallets leave the index (erased events never reach here: no key).
  if (event.type === ERASED_EVENT_TYPE) return undefined;
  const current: WalletIndexState = state ?? {
    customerId,
    fromDetails: [],
    detailsEvidence: null,
    observed: [],
  };
  const evidence = eventEvidence(event);
  if (event.type === DETAILS_EVENT_TYPE) {
    const list = bodyOf(event).customerWallets;
    if (!Array.isArray(list)) return state;
    const wallets = walletsOfDetails(list as unknown[]);
    const previous = current.detailsEvidence;
    const newer =
      previous === null ||
      compareFacts(
        evidence,
        () => JSON.stringify(wallets),
        previous,
        () => JSON.stringify(current.fromDetails),
      ) > 0;
    if (!newer) {
      return state;
    }
    // The same wallets again (the usual snapshot): keep the state's list.
    const fromDetails = sameWallets(current.fromDetails, wallets) ? current.fromDetails : wallets;
    return walletState(current.customerId, fromDetails, evidence, current.observed);
  }
  const address = text(payloadOf(event).address);
  if (address === null || address === '') return state;
  const observed = observeWallet(current.observed, event, address, evidence);
  return observed === current.observed && state !== undefined
    ? state
    : walletState(current.customerId, current.fromDetails, current.detailsEvidence, observed);
}

/** A state in its stored key order (cheaper than spreading the previous one). */
function walletState(
  customerId: string,
  fromDetails: readonly CustomerWallet[],
  detailsEvidence: Evidence | null,
  observed: readonly ObservedWallet[],
): WalletIndexState {
  return { customerId, fromDetails, detailsEvidence, observed };
}

function walletRows(_key: string, state: WalletIndexState | undefined): RowsByTable {
  if (state === undefined) return {};
  return {
    wallet_index: mergeWallets(state.fromDetails, state.observed).map((wallet) => ({
      address_key: walletKey(wallet.address, wallet.namespace),
      customer_id: state.customerId,
      address: wallet.address,
      namespace: wallet.namespace,
      verified: wallet.verified === null ? null : wallet.verified ? 1 : 0,
      source: wallet.source,
    })),
  };
}

export const walletIndexProjection: Projection<WalletIndexState> = {
  name: 'wallet-index',
  // 3: rebuilt once, for the rows of erased customers that documents.ts did not remove before
  // it removed an unreadable document's rows (documentKey).
  version: 3,
  handles: ['send.scenario', 'send.verification.flow', DETAILS_EVENT_TYPE, ERASED_EVENT_TYPE],
  tables: [
    {
      name: 'wallet_index',
      columns: [
        { name: 'address_key', type: 'TEXT', notNull: true, blind: true },
        { name: 'customer_id', type: 'TEXT', notNull: true },
        { name: 'address', type: 'TEXT', notNull: true, sealed: true },
        { name: 'namespace', type: 'TEXT' },
        { name: 'verified', type: 'INTEGER' },
        { name: 'source', type: 'TEXT', notNull: true },
      ],
      primaryKey: ['address_key', 'customer_id'],
      subject: 'customer_id',
      documentKey: 'customer_id',
    },
  ],
  keyOf: customerIdOf,
  evolve: evolveWallets,
  rows: walletRows,
  // The state table holds the customer's addresses; the document key is the customer id.
  storage: { ...(jsonStorage as DocumentStorage<WalletIndexState>), sealedByKey: true },
};
