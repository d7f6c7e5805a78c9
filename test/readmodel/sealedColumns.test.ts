import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { customerStream } from '../../src/events/streams.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { startProjections } from '../../src/projector/runner.js';
import { listGenerations } from '../../src/readmodel/generations.js';
import { sealerOf } from '../../src/readmodel/sealedColumns.js';
import {
  findCustomerIdsByEmail,
  findCustomerIdsByExternalId,
} from '../../src/readmodel/customerSearch.js';
import {
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  listAlerts,
  listCustomers,
} from '../../src/readmodel/queries.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { eraseCustomer, recoverErasures } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import {
  appendJourney,
  appendWebhook,
  detailsBody,
  detailsEvent,
  fixture,
} from '../helpers/projectionEvents.js';
import { silent } from '../helpers/projectionHarness.js';
import type { ParallelSeal } from '../../src/privacy/parallelSeal.js';
import {
  openEncryptedTestStore,
  readModelBytes,
  sealedCounts,
  sealThrough,
} from '../helpers/sealedReadModel.js';

const EMAIL = 'marie.dubois@example.com';
const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';
const TEZOS = 'tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb';
const CUSTOMERS = Array.from({ length: 6 }, (_, n) => `cust-${n}`);

async function journey(store: EventStore): Promise<void> {
  for (let n = 0; n < CUSTOMERS.length; n++) await appendJourney(store, n);
  await appendWebhook(
    store,
    fixture('alert.updated', { id: 'alrt-0', customerId: 'cust-0', status: 'Closed' }),
    'close-0',
  );
  await store.appendToStream(customerStream('cust-5'), [
    detailsEvent(
      detailsBody({
        id: 'cust-5',
        updatedAt: '2025-04-01T00:00:00.000Z',
        customerWallets: [
          { wallet: TEZOS, blockchainNamespace: 'tezos' },
          { wallet: EVM.toUpperCase().replace('0X', '0x'), blockchainNamespace: 'eip155' },
        ],
      }),
      [],
    ),
  ]);
}

/** Every query over the journey's customers, alerts, emails and wallets. */
function answers(db: ReadModelDb): unknown {
  return {
    customers: CUSTOMERS.map((id) => getCustomer(db, id)),
    kyc: CUSTOMERS.map((id) => getKycHistory(db, id)),
    list: listCustomers(db, { limit: 100 }),
    alerts: listAlerts(db, { limit: 100, includeDeleted: true }),
    alert: getAlert(db, 'alrt-0'),
    wallets: [EVM, EVM.toUpperCase(), TEZOS, TEZOS.toLowerCase()].map((a) =>
      findWalletOwners(db, a),
    ),
    emails: [EMAIL, EMAIL.toUpperCase(), 'nobody@example.com'].map((e) =>
      findCustomerIdsByEmail(db, e),
    ),
    external: CUSTOMERS.map((id) => findCustomerIdsByExternalId(db, `ext-${id}`)),
  };
}

async function build(t: Test, encrypted: boolean, base: string) {
  // One t.testdir() per test: each call empties the directory.
  const dir = join(base, encrypted ? 'sealed' : 'plain');
  mkdirSync(dir, { recursive: true });
  const store = encrypted
    ? openEncryptedTestStore(dir)
    : openSqliteEventStore({ path: join(dir, 'events.db') });
  const path = join(dir, 'readmodel.db');
  const plain = openReadModel(path);
  const db = encrypted ? sealThrough(plain, store) : plain;
  t.teardown(async () => {
    db.close();
    await store.close();
  });
  await journey(store);
  await rebuildProjections(projections, { store, db, logger: silent });
  return { store, db, path };
}

void t.test('a sealed read model answers every query as the plaintext one does', async (t) => {
  const base = t.testdir();
  const plain = await build(t, false, base);
  const sealed = await build(t, true, base);
  const expected = answers(plain.db);
  t.ok(JSON.stringify(expected).includes(EMAIL), 'the journey has the personal data');
  t.same(answers(sealed.db), expected);
  t.same(sealedCounts(plain.db, projections).sealed, 0);
  const counts = sealedCounts(sealed.db, projections);
  t.equal(counts.plain, 0, 'no personal column holds plaintext');
  t.ok(counts.sealed > 10, `${counts.sealed} values sealed`);

  sealed.db.pragma('wal_checkpoint(TRUNCATE)');
  const plainBytes = readModelBytes(plain.path);
  const sealedBytes = readModelBytes(sealed.path);
  for (const value of [EMAIL, 'Dubois', EVM, TEZOS]) {
    t.ok(plainBytes.includes(value), `the plaintext read model holds ${value} (the search works)`);
    t.notOk(sealedBytes.includes(value), `the sealed read model holds no ${value}`);
  }
});

void t.test('a customer whose key is destroyed reads as erased, others as before', async (t) => {
  const sealed = await build(t, true, t.testdir());
  const store = sealed.store as ReturnType<typeof openEncryptedTestStore>;
  const before = answers(sealed.db) as {
    alert: { externalCustomerId: string | null };
    customers: unknown[];
  };
  t.not(before.alert.externalCustomerId, null);
  const isRun = (entry: { kind: string }) =>
    entry.kind === 'scenario' || entry.kind === 'verification-flow';
  t.ok(getKycHistory(sealed.db, 'cust-0').some(isRun), 'the journey has a scenario run');
  store.keys.beginErasure('cust-0');
  store.keys.destroy('cust-0');
  t.equal(getCustomer(sealed.db, 'cust-0'), undefined);
  // State observations are unsealed (kyc_observations.unsealedRows): erasure's purge markers
  // remove them, not the key. Runs carry wallet addresses and go with the key.
  const history = getKycHistory(sealed.db, 'cust-0');
  t.ok(history.length > 0, 'status changes stay until the purge markers are applied');
  t.notOk(history.some(isRun), 'its scenario runs are unreadable');
  t.notOk(
    findWalletOwners(sealed.db, EVM).some((o) => o.customerId === 'cust-0'),
    'its wallets are not found',
  );
  t.notOk(findCustomerIdsByEmail(sealed.db, EMAIL).includes('cust-0'));
  const alert = getAlert(sealed.db, 'alrt-0');
  t.equal(alert?.externalCustomerId, null, "the alert keeps its ids, not the customer's data");
  t.equal(alert?.status, 'Closed');
  t.same(getCustomer(sealed.db, 'cust-1'), before.customers[1]);
});

void t.test(
  "a rebuild while a customer's key is being erased seals the data under it, and keeps the stub readable",
  async (t) => {
    const sealed = await build(t, true, t.testdir());
    const store = sealed.store as ReturnType<typeof openEncryptedTestStore>;
    const keys = subjectKeysOf(store)!;
    const deps = { store, keys, retentionDays: 1826, alertIdsOf: () => ['alrt-2'] };
    const docOf = (id: string) =>
      sealed.db.prepare('SELECT doc FROM customers WHERE customer_id = ?').pluck().get(id) as
        string | Buffer;
    // The erasure stops before the key is destroyed: the record and the markers are in the log.
    await t.rejects(
      eraseCustomer(
        {
          ...deps,
          onStep: (step) => {
            if (step === 'purged') throw new Error('stopped before the key is destroyed');
          },
        },
        { customerId: 'cust-2', reason: 'request', by: 'officer', override: 'GDPR Art. 17' },
      ),
    );
    store.keys.beginErasure('cust-1');
    await rebuildProjections(projections, { store, db: sealed.db, logger: silent });
    t.notOk(sealerOf(sealed.db)!.isSealed(docOf('cust-2')), "the erased customer's stub: unsealed");
    t.ok(sealerOf(sealed.db)!.isSealed(docOf('cust-1')), 'data under a key being erased: sealed');

    await recoverErasures(deps);
    store.keys.beginErasure('cust-3');
    store.keys.destroy('cust-3');
    await rebuildProjections(projections, { store, db: sealed.db, logger: silent });
    t.match(getCustomer(sealed.db, 'cust-2'), { evidence: { erased: {} } }, 'readable after');
    t.match(getAlert(sealed.db, 'alrt-2'), { alertId: 'alrt-2', externalCustomerId: null });
    t.match(getCustomer(sealed.db, 'cust-1'), { customerId: 'cust-1' }, 'readable until it goes');
    t.equal(getCustomer(sealed.db, 'cust-3'), undefined, 'a destroyed key: nothing readable');
  },
);

void t.test(
  'a rebuild large enough to seal beside the writer answers every query as the plaintext one',
  async (t) => {
    const many = Array.from({ length: 150 }, (_, n) => n);
    const base = t.testdir();
    const built = async (encrypted: boolean) => {
      const dir = join(base, encrypted ? 'sealed' : 'plain');
      mkdirSync(dir, { recursive: true });
      const store = encrypted
        ? openEncryptedTestStore(dir)
        : openSqliteEventStore({ path: join(dir, 'events.db') });
      const plain = openReadModel(join(dir, 'readmodel.db'));
      const db = encrypted ? sealThrough(plain, store) : plain;
      t.teardown(async () => {
        db.close();
        await store.close();
      });
      for (const n of many) await appendJourney(store, n);
      await rebuildProjections(projections, { store, db, logger: silent });
      return db;
    };
    const plain = await built(false);
    const sealed = await built(true);
    const ids = many.map((n) => `cust-${n}`);
    const everything = (db: ReadModelDb) => ({
      customers: ids.map((id) => getCustomer(db, id)),
      kyc: ids.map((id) => getKycHistory(db, id)),
      alerts: listAlerts(db, { limit: 1000, includeDeleted: true }),
    });
    t.same(everything(sealed), everything(plain));
    const batch = sealerOf(sealed)?.batch as ParallelSeal | undefined;
    t.ok((batch?.sealedInThread ?? 0) > 0, `${batch?.sealedInThread} values sealed in the thread`);
    const counts = sealedCounts(sealed, projections);
    t.equal(counts.plain, 0, 'no personal column holds plaintext');
  },
);

void t.test(
  'KYC state observations are stored unsealed and scenario runs sealed, as the table declares',
  async (t) => {
    const sealed = await build(t, true, t.testdir());
    const rows = sealed.db.prepare('SELECT kind, doc FROM kyc_observations').all() as {
      kind: string;
      doc: string;
    }[];
    const sealer = sealerOf(sealed.db)!;
    const states = rows.filter((row) => row.kind === 'state');
    const runs = rows.filter((row) => row.kind !== 'state');
    t.ok(states.length > 0 && runs.length > 0, `${states.length} states, ${runs.length} runs`);
    t.ok(
      states.every((row) => !sealer.isSealed(row.doc)),
      'state observations unsealed',
    );
    t.ok(
      runs.every((row) => sealer.isSealed(row.doc)),
      'runs (wallet addresses) sealed',
    );
  },
);

void t.test('a sealed value moved to another customer fails authentication', async (t) => {
  const sealed = await build(t, true, t.testdir());
  const doc = sealed.db
    .prepare("SELECT doc FROM customers WHERE customer_id = 'cust-1'")
    .pluck()
    .get() as string;
  const table = sealed.db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'customers_v*'")
    .pluck()
    .get() as string;
  sealed.db.prepare(`UPDATE "${table}" SET doc = ? WHERE customer_id = 'cust-2'`).run(doc);
  t.throws(() => getCustomer(sealed.db, 'cust-2'), /fails AES-GCM authentication/);
  t.ok(getCustomer(sealed.db, 'cust-1'));
});

void t.test(
  'turning encryption on rebuilds a plaintext read model into a sealed one, answering throughout',
  async (t) => {
    const dir = t.testdir();
    const store = openEncryptedTestStore(dir);
    const path = join(dir, 'readmodel.db');
    const db = openReadModel(path);
    t.teardown(async () => {
      db.close();
      await store.close();
    });
    await journey(store);
    // Built before sealed columns existed (no sealer on the connection): plaintext.
    await rebuildProjections(projections, { store, db, logger: silent });
    const expected = answers(db);
    t.ok(sealedCounts(db, projections).plain > 10, 'the old read model is plaintext');
    const before = listGenerations(db).map((g) => g.generation);

    sealThrough(db, store);
    t.same(answers(db), expected, 'a sealing connection reads the plaintext generation');
    const stop = new AbortController();
    const runner = startProjections({
      store,
      db,
      projections,
      logger: silent,
      signal: stop.signal,
    });
    try {
      await runner.waitFor((status) =>
        status.projections.every((p) => p.rebuilding === null && p.caughtUp),
      );
    } finally {
      stop.abort();
      await runner.done;
    }
    const after = listGenerations(db);
    t.notOk(
      after.some((g) => before.includes(g.generation)),
      'every projection was rebuilt into a new generation',
    );
    const counts = sealedCounts(db, projections);
    t.equal(counts.plain, 0, 'no personal value is left in plaintext');
    t.ok(counts.sealed > 10);
    t.same(answers(db), expected, 'every query answers as before');
  },
);
