import { join } from 'node:path';
import t from 'tap';
import { projections } from '../../projections/index.js';
import { customerStream } from '../../src/events/streams.js';
import { startProjections } from '../../src/projector/runner.js';
import { getCustomer } from '../../src/readmodel/queries.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { eraseCustomer } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import { appendJourney, detailsBody, detailsEvent } from '../helpers/projectionEvents.js';
import { silent } from '../helpers/projectionHarness.js';
import { openEncryptedTestStore, readModelBytes, sealThrough } from '../helpers/sealedReadModel.js';

const EMAIL = 'marie.dubois@example.com';

void t.test(
  'data projected while a key is being erased leaves no page on disk once the erasure is applied',
  async (t) => {
    const dir = t.testdir();
    const store = openEncryptedTestStore(dir);
    const path = join(dir, 'readmodel.db');
    const db = sealThrough(openReadModel(path), store);
    t.teardown(async () => {
      db.close();
      await store.close();
    });
    await appendJourney(store, 1);
    // Details stored just before the erasure began, and not projected yet (docs/retention.md).
    await store.appendToStream(customerStream('cust-1'), [
      detailsEvent(detailsBody({ id: 'cust-1', customerEmails: [{ email: EMAIL }] }), []),
    ]);
    const keys = subjectKeysOf(store)!;
    await keys.beginErasure('cust-1');

    const stop = new AbortController();
    const runner = startProjections({
      store,
      db,
      projections,
      logger: silent,
      signal: stop.signal,
    });
    t.teardown(async () => {
      stop.abort();
      await runner.done;
    });
    const caughtUp = () =>
      runner.waitFor((status) => status.projections.every((p) => p.caughtUp && p.checkpoint));
    await caughtUp();
    // The key still opens the events: the customer's data went into the read model unsealed.
    t.ok(readModelBytes(path).includes(EMAIL), 'the window this test is about');

    await eraseCustomer(
      { store, keys, retentionDays: 1826, alertIdsOf: () => [] },
      {
        customerId: 'cust-1',
        reason: 'data subject request',
        by: 'officer_7',
        override: 'GDPR Art. 17: no AML obligation applies',
      },
    );
    const head = (await store.headPosition())!;
    await runner.waitFor((status) =>
      status.projections.every((p) => p.caughtUp && p.checkpoint !== null && p.checkpoint >= head),
    );
    t.match(getCustomer(db, 'cust-1'), { customerId: 'cust-1', evidence: { erased: {} } });
    t.notOk(
      readModelBytes(path).includes(EMAIL),
      'no page image of it is left in the file or the WAL',
    );
  },
);
