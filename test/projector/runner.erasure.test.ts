import { join } from 'node:path';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import { ALERT_PURGE_EVENT_TYPE } from '../../src/events/retentionEvents.js';
import { customerStream } from '../../src/events/streams.js';
import { startProjections } from '../../src/projector/runner.js';
import type { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { findWalletOwners, getAlert, getCustomer } from '../../src/readmodel/queries.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import { eraseCustomer, recoverErasures } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import { appendJourney, detailsBody, detailsEvent } from '../helpers/projectionEvents.js';
import { silent } from '../helpers/projectionHarness.js';
import { openEncryptedTestStore, readModelBytes, sealThrough } from '../helpers/sealedReadModel.js';

const EMAIL = 'marie.dubois@example.com';
const WALLET = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';
const REQUEST = {
  reason: 'data subject request',
  by: 'officer_7',
  override: 'GDPR Art. 17: no AML obligation applies',
};

function setUp(t: Test) {
  const dir = t.testdir();
  const store = openEncryptedTestStore(dir);
  const path = join(dir, 'readmodel.db');
  const db = sealThrough(openReadModel(path), store);
  t.teardown(async () => {
    db.close();
    await store.close();
  });
  const keys = subjectKeysOf(store)!;
  return { dir, store, path, db, keys };
}

/** Runs the live projections until they have applied the whole log, then stops them. */
async function catchUp(store: EncryptingEventStore, db: ReadModelDb): Promise<void> {
  const stop = new AbortController();
  const runner = startProjections({ store, db, projections, logger: silent, signal: stop.signal });
  try {
    const head = (await store.headPosition())!;
    await runner.waitFor((status) =>
      status.projections.every((p) => p.caughtUp && p.checkpoint !== null && p.checkpoint >= head),
    );
  } finally {
    stop.abort();
    await runner.done;
  }
}

/** Every row of the read model's views that names the customer. */
function rowsNaming(db: ReadModelDb, customerId: string): Record<string, unknown[]> {
  const views = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").pluck().all();
  const found: Record<string, unknown[]> = {};
  for (const view of views as string[]) {
    const rows = db
      .prepare(`SELECT * FROM "${view}" WHERE customer_id = ?`)
      .all(customerId)
      .map((row) => Object.keys(row as object).sort());
    if (rows.length > 0) found[view] = rows;
  }
  return found;
}

void t.test(
  'data decrypted while a key is being erased is sealed under that key, never stored in plaintext',
  async (t) => {
    const { store, path, db, keys } = setUp(t);
    await appendJourney(store, 1);
    // Details stored just before the erasure began, and not projected yet (docs/retention.md).
    await store.appendToStream(customerStream('cust-1'), [
      detailsEvent(detailsBody({ id: 'cust-1', customerEmails: [{ email: EMAIL }] }), []),
    ]);
    await keys.beginErasure('cust-1');
    await catchUp(store, db);
    t.notOk(readModelBytes(path).includes(EMAIL), 'not on disk while the key is being erased');
    t.match(getCustomer(db, 'cust-1'), { emails: [EMAIL] }, 'readable until the key goes');

    await eraseCustomer(
      { store, keys, retentionDays: 1826, alertIdsOf: () => [] },
      { customerId: 'cust-1', ...REQUEST },
    );
    await catchUp(store, db);
    t.match(getCustomer(db, 'cust-1'), {
      customerId: 'cust-1',
      emails: [],
      evidence: { erased: {} },
    });
    t.notOk(readModelBytes(path).includes(EMAIL), 'nor after the erasure');
  },
);

void t.test(
  'stubs the projections write while the key is being erased outlive the key',
  async (t) => {
    const { store, db, keys } = setUp(t);
    await appendJourney(store, 2);
    await catchUp(store, db);
    t.match(getAlert(db, 'alrt-2'), { customerId: 'cust-2', externalCustomerId: 'user_48213' });
    // The erasure stops before it destroys the key (a crash there): the projections apply the
    // record and the markers while the key is still being erased.
    await t.rejects(
      eraseCustomer(
        {
          store,
          keys,
          retentionDays: 1826,
          alertIdsOf: () => ['alrt-2'],
          onStep: (step) => {
            if (step === 'purged') throw new Error('stopped before the key is destroyed');
          },
        },
        { customerId: 'cust-2', ...REQUEST },
      ),
    );
    await catchUp(store, db);
    t.same(
      await recoverErasures({ store, keys, retentionDays: 1826, alertIdsOf: () => ['alrt-2'] }),
      { finished: ['cust-2'], aborted: [] },
    );
    t.match(getCustomer(db, 'cust-2'), { customerId: 'cust-2', evidence: { erased: {} } });
    t.match(
      getAlert(db, 'alrt-2'),
      {
        alertId: 'alrt-2',
        customerId: 'cust-2',
        externalCustomerId: null,
        evidence: { current: { eventType: ALERT_PURGE_EVENT_TYPE } },
      },
      'the alert stays, without the customer fields, with the evidence of its purge',
    );
  },
);

void t.test(
  "an erasure the projections apply after the key is gone still removes the customer's wallets",
  async (t) => {
    const { dir, store, db, keys } = setUp(t);
    await appendJourney(store, 1);
    await catchUp(store, db);
    t.match(findWalletOwners(db, WALLET), [{ customerId: 'cust-1' }]);
    // The projections are stopped while the erasure runs to its end: the documents they read
    // back are sealed under a destroyed key.
    await eraseCustomer(
      { store, keys, retentionDays: 1826, alertIdsOf: () => [] },
      { customerId: 'cust-1', ...REQUEST },
    );
    await catchUp(store, db);
    t.same(findWalletOwners(db, WALLET), []);
    const live = rowsNaming(db, 'cust-1');
    t.notOk('wallet_index' in live, 'no row of the wallet index names the customer');

    // A rebuild, which never reads the erased events, agrees.
    const rebuilt = sealThrough(openReadModel(join(dir, 'rebuilt.db')), store);
    t.teardown(() => rebuilt.close());
    await rebuildProjections(projections, { store, db: rebuilt, logger: silent });
    t.same(live, rowsNaming(rebuilt, 'cust-1'));
  },
);
