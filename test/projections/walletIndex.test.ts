import t from 'tap';
import { applyEvent } from '../../projections/projection.js';
import {
  evolveWallets,
  walletIndexProjection,
  type WalletIndexState,
} from '../../projections/walletIndex.js';
import { walletKey } from '../../projections/wallets.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import {
  CUSTOMER_ID,
  detailsBody,
  fixture,
  recordedDetails,
  recordedWebhook,
} from '../helpers/projectionEvents.js';

const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';
const TEZOS = 'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb';

function rowsOf(events: readonly RecordedEvent[]) {
  const state = events.reduce<WalletIndexState | undefined>(
    (s, e) => evolveWallets(s, e),
    undefined,
  );
  return (walletIndexProjection.rows(CUSTOMER_ID, state).wallet_index ?? []).map((row) => ({
    ...row,
  }));
}

void t.test('walletKey lower-cases EVM addresses and keeps other namespaces exact', (t) => {
  t.equal(walletKey(EVM.toUpperCase().replace('0X', '0x'), 'eip155'), EVM);
  t.equal(
    walletKey(EVM.toUpperCase().replace('0X', '0x'), null),
    EVM,
    'EVM form without namespace',
  );
  t.equal(walletKey(TEZOS, 'tezos'), TEZOS);
  t.equal(
    walletKey('So11111111111111111111111111111111111111112', 'solana'),
    'So11111111111111111111111111111111111111112',
  );
  t.equal(walletKey('0xABC', null), '0xABC', 'not an EVM address: exact');
  t.end();
});

void t.test('a snapshot maps its wallets to the customer', (t) => {
  const details = recordedDetails(
    detailsBody({
      customerWallets: [
        {
          wallet: EVM.toUpperCase().replace('0X', '0x'),
          blockchainNamespace: 'eip155',
          verified: true,
        },
        { wallet: TEZOS, blockchainNamespace: 'tezos', verified: false },
      ],
    }),
    [],
    1,
  );
  t.same(rowsOf([details]), [
    {
      address_key: EVM,
      customer_id: CUSTOMER_ID,
      address: EVM.toUpperCase().replace('0X', '0x'),
      namespace: 'eip155',
      verified: 1,
      source: 'details',
    },
    {
      address_key: TEZOS,
      customer_id: CUSTOMER_ID,
      address: TEZOS,
      namespace: 'tezos',
      verified: 0,
      source: 'details',
    },
  ]);
  t.end();
});

void t.test('the newest snapshot decides, whatever the delivery order', (t) => {
  const old = recordedDetails(detailsBody({ updatedAt: '2025-03-01T00:00:00.000Z' }), [], 1);
  const newer = recordedDetails(
    detailsBody({
      updatedAt: '2025-04-01T00:00:00.000Z',
      customerWallets: [{ wallet: TEZOS, blockchainNamespace: 'tezos', verified: true }],
    }),
    [],
    2,
  );
  t.same(
    rowsOf([old, newer]).map((r) => r.address_key),
    [TEZOS],
  );
  t.same(
    rowsOf([newer, old]).map((r) => r.address_key),
    [TEZOS],
  );
  t.end();
});

void t.test('addresses evaluated in scenarios and flows are indexed too', (t) => {
  const scenario = recordedWebhook(fixture('send.scenario'), 'msg_s', 1);
  const flow = recordedWebhook(fixture('send.verification.flow', { address: TEZOS }), 'msg_f', 2);
  t.same(
    rowsOf([scenario, flow]).map((r) => [r.address_key, r.source, r.namespace]),
    [
      [EVM, 'send.scenario', null],
      [TEZOS, 'send.verification.flow', null],
    ],
  );
  const details = recordedDetails(detailsBody(), [], 3);
  t.same(
    rowsOf([scenario, flow, details]).map((r) => [r.address_key, r.source]),
    [
      [EVM, 'details'],
      [TEZOS, 'send.verification.flow'],
    ],
    'the snapshot describes the EVM wallet; the flow address stays',
  );
  t.end();
});

void t.test('the projection ignores events without wallets', (t) => {
  const created = recordedWebhook(fixture('customer.created'), 'msg_c', 1);
  t.same(applyEvent(walletIndexProjection, undefined, created).changes, []);
  const noWallets = recordedDetails({ id: CUSTOMER_ID, status: 'Active' }, [], 2);
  t.same(applyEvent(walletIndexProjection, undefined, noWallets).changes, []);
  t.end();
});
