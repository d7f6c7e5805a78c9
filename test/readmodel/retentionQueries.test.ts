/**
 * `retention due` from a read model the runner built from a real SQLite log: ended long ago,
 * not held, not restored, not erased.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { retentionProjection } from '../../projections/retention.js';
import { encodeRecord, HOLD_PLACED_EVENT_TYPE } from '../../src/events/retentionEvents.js';
import { customerStream } from '../../src/events/streams.js';
import { run as runRetention } from '../../src/cli/retentionDue.js';
import { listDueCustomers } from '../../src/readmodel/retentionQueries.js';
import { retentionHoldEventId } from '../../src/retention/erasureIds.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { createHarness, reached } from '../helpers/projectionHarness.js';
import { appendWebhook, fixture } from '../helpers/projectionEvents.js';

const DELETED_AT = '2019-01-01T00:00:00.000Z';

void t.test(
  'due: ended more than RETENTION_DAYS ago, and neither held nor restored since',
  async (t) => {
    const h = createHarness(t);
    const deleteCustomer = (customerId: string) =>
      appendWebhook(
        h.store,
        fixture('customer.deleted', { customerId, deletedAt: DELETED_AT, updatedAt: DELETED_AT }),
        `del-${customerId}`,
      );
    const hold = (customerId: string, until: string | null) =>
      h.store.appendToStream(customerStream(customerId), [
        {
          id: retentionHoldEventId(customerId, 0),
          type: HOLD_PLACED_EVENT_TYPE,
          data: encodeRecord({ customerId, reason: 'FIU request', until, recordedAt: DELETED_AT }),
          metadata: {},
        },
      ]);
    for (const id of ['due', 'held', 'hold-ended', 'restored']) await deleteCustomer(id);
    await hold('held', null);
    await hold('hold-ended', '2020-01-01T00:00:00.000Z');
    await appendWebhook(
      h.store,
      fixture('customer.updated', {
        customerId: 'restored',
        updatedAt: '2020-03-01T00:00:00.000Z',
        deletedAt: null,
      }),
      'upd-restored',
    );
    const runner = h.start({ projections: [retentionProjection] });
    await runner.waitFor(reached(await h.store.headPosition()));

    const listed = listDueCustomers(h.db, new Date('2026-12-01T00:00:00.000Z'), 1826);
    t.same(
      listed?.due.map((c) => c.customerId),
      ['due', 'hold-ended'],
      'the held and the restored customers are passed over',
    );
    t.match(listed?.due[0], {
      relationshipEnd: DELETED_AT,
      source: 'customer.deleted',
      dueSince: '2024-01-01T00:00:00.000Z',
    });
    t.same(
      listed?.held,
      [
        {
          customerId: 'held',
          relationshipEnd: DELETED_AT,
          source: 'customer.deleted',
          dueSince: '2024-01-01T00:00:00.000Z',
          heldUntil: null,
        },
      ],
      'the held one is listed apart, with its hold',
    );
    t.same(
      listDueCustomers(h.db, new Date('2019-06-01T00:00:00.000Z'), 1826),
      { due: [], held: [], dueCount: 0, heldCount: 0 },
      'none before the period ends',
    );
    t.match(listed, { dueCount: 2, heldCount: 1 }, 'all are counted');
    const first = listDueCustomers(h.db, new Date('2026-12-01T00:00:00.000Z'), 1826, 1);
    t.same(
      first?.due.map((c) => c.customerId),
      ['due'],
      'a limit lists the longest overdue first',
    );
    t.match(first, { dueCount: 2, heldCount: 1, held: [{ customerId: 'held' }] });
    t.same(
      listDueCustomers(h.db, new Date('2026-12-01T00:00:00.000Z'), 1826, 0),
      { due: [], held: [], dueCount: 2, heldCount: 1 },
      'a limit of 0 counts without listing (the metric)',
    );

    const deps = cliDeps({ READ_MODEL_URL: `sqlite:${h.readModelPath}`, RETENTION_DAYS: '1826' });
    t.equal(await runRetention(['due'], deps), 0, deps.errors());
    t.match(
      deps.output(),
      /^2 customer\(s\) due for erasure \(RETENTION_DAYS=1826\)\ndue {2}ended/,
    );
    t.match(
      deps.output(),
      /1 more past the period but kept by a retention hold .*\nheld {2}ended 2019-01-01T00:00:00\.000Z \(customer\.deleted\) {2}held until released/,
      'retention due says who is held',
    );
  },
);

void t.test(
  'tables of a version before holds cannot say who is due: no list rather than a wrong one',
  async (t) => {
    const path = join(t.testdir({}), 'readmodel.db');
    const db = new Database(path);
    t.teardown(() => db.close());
    db.exec(`CREATE TABLE retention_v1 (customer_id TEXT, relationship_end TEXT, end_source TEXT,
               deleted_at TEXT, offboarded_at TEXT, erased_at TEXT, erasure_id TEXT);
             INSERT INTO retention_v1 VALUES ('c', '${DELETED_AT}', 'customer.deleted', '${DELETED_AT}', NULL, NULL, NULL);
             CREATE VIEW retention AS SELECT * FROM retention_v1;`);
    t.equal(listDueCustomers(db, new Date('2026-12-01T00:00:00.000Z'), 1826), undefined);
  },
);
