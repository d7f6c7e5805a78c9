/**
 * A customer's wallets, shared by customer-state and wallet-index. The newest details snapshot
 * is authoritative for the wallets it lists; addresses seen in scenario and verification-flow
 * webhooks are added to them (they are wallets ComPilot evaluated for the customer) and never
 * removed. Both parts are order-independent, so the result converges.
 */
import type { RecordedEvent } from '../src/store/eventStore.js';
import { compareFacts, isObject, text, type Evidence } from './eventFacts.js';

export type WalletSource = 'details' | 'send.scenario' | 'send.verification.flow';

export interface CustomerWallet {
  readonly address: string;
  /** CAIP-2 namespace (`eip155`, `tezos`, ...) when the source gave one. */
  readonly namespace: string | null;
  readonly verified: boolean | null;
  readonly source: WalletSource;
}

export interface ObservedWallet extends CustomerWallet {
  /** The earliest event that showed it (by ComPilot time, then id). */
  readonly seenIn: Evidence;
}

/** Namespaces whose addresses are hex and case-insensitive (EIP-55 only adds a checksum). */
const EVM_NAMESPACES = new Set(['eip155', 'avax']);
const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * The lookup key of an address: EVM addresses lower-cased, every other namespace exact. An
 * address without a namespace is treated as EVM when it has the EVM form.
 */
export function walletKey(address: string, namespace: string | null): string {
  const evm = namespace === null || EVM_NAMESPACES.has(namespace);
  return evm && EVM_ADDRESS.test(address) ? address.toLowerCase() : address;
}

/** Two wallet lists with the same wallets in the same order. */
export function sameWallets(a: readonly CustomerWallet[], b: readonly CustomerWallet[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.address !== y.address ||
      x.namespace !== y.namespace ||
      x.verified !== y.verified ||
      x.source !== y.source
    ) {
      return false;
    }
  }
  return true;
}

/** `customerWallets` of a details snapshot: `[{ wallet, blockchainNamespace, verified }]`. */
export function walletsOfDetails(list: readonly unknown[]): CustomerWallet[] {
  const byKey = new Map<string, CustomerWallet>();
  for (const item of list) {
    const entry = isObject(item) ? item : {};
    const address = text(typeof item === 'string' ? item : (entry.wallet ?? entry.address));
    if (address === null || address === '') continue;
    const namespace = text(entry.blockchainNamespace ?? entry.namespace);
    const verified = typeof entry.verified === 'boolean' ? entry.verified : null;
    const key = walletKey(address, namespace);
    if (!byKey.has(key)) byKey.set(key, { address, namespace, verified, source: 'details' });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, wallet]) => wallet);
}

/** Adds the address a scenario or verification-flow webhook evaluated; same list if known. */
export function observeWallet(
  observed: readonly ObservedWallet[],
  event: RecordedEvent,
  address: string,
  seenIn: Evidence,
): readonly ObservedWallet[] {
  const key = walletKey(address, null);
  const index = observed.findIndex((wallet) => walletKey(wallet.address, null) === key);
  const candidate: ObservedWallet = {
    address,
    namespace: null,
    verified: null,
    source: event.type === 'send.scenario' ? 'send.scenario' : 'send.verification.flow',
    seenIn,
  };
  if (index >= 0) {
    const current = observed[index]!;
    if (compareFacts(candidate.seenIn, address, current.seenIn, current.address) >= 0) {
      return observed;
    }
    return observed.map((wallet, i) => (i === index ? candidate : wallet));
  }
  return [...observed, candidate].sort((a, b) =>
    walletKey(a.address, null) < walletKey(b.address, null) ? -1 : 1,
  );
}

/** Snapshot wallets first, then observed addresses the snapshot does not list; sorted by key. */
export function mergeWallets(
  fromDetails: readonly CustomerWallet[],
  observed: readonly ObservedWallet[],
): CustomerWallet[] {
  const byKey = new Map<string, CustomerWallet>();
  for (const wallet of fromDetails) byKey.set(walletKey(wallet.address, wallet.namespace), wallet);
  for (const { address, namespace, verified, source } of observed) {
    const key = walletKey(address, null);
    if (!byKey.has(key)) byKey.set(key, { address, namespace, verified, source });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, wallet]) => wallet);
}
