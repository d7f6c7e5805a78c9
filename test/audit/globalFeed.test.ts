import t from 'tap';
import { ALERT_ID, CUSTOMER_ID, fixtureBody, startAuditHarness } from '../helpers/auditHarness.js';
import { feedExport, type FeedPage } from '../../src/audit/globalFeed.js';
import type { AuditEventView } from '../../src/audit/auditEventView.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { join } from 'node:path';

void t.test('the global feed pages through the log in commit order', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const types = [
    'customer.created',
    'alert.created',
    'customer.updated',
    'alert.updated',
    'send.scenario',
  ];
  for (const type of types) t.equal((await h.deliver(fixtureBody(type))).status, 200);
  // A delivery that fails its schema is quarantined, and is in the feed too.
  await h.deliver(fixtureBody('customer.updated', { status: 'Sleeping' }));

  const all = (await h.get('/events')).json<FeedPage>();
  t.same(
    all.events.map((e) => e.type),
    [...types, 'quarantined'],
  );
  t.same(
    all.events.map((e) => e.streamName),
    [
      `customer-${CUSTOMER_ID}`,
      `alert-${ALERT_ID}`,
      `customer-${CUSTOMER_ID}`,
      `alert-${ALERT_ID}`,
      `customer-${CUSTOMER_ID}`,
      'quarantine',
    ],
  );
  t.equal(all.caughtUp, true);
  t.equal(all.nextAfter, all.events.at(-1)!.position);

  const first = (await h.get('/events?limit=2')).json<FeedPage>();
  t.same(
    first.events.map((e) => e.type),
    types.slice(0, 2),
  );
  t.equal(first.caughtUp, false);
  const rest = (await h.get(`/events?after=${first.nextAfter}`)).json<FeedPage>();
  t.same(
    rest.events.map((e) => e.id),
    all.events.slice(2).map((e) => e.id),
  );

  const alerts = (await h.get('/events?type=alert.created,alert.updated')).json<FeedPage>();
  t.same(
    alerts.events.map((e) => e.type),
    ['alert.created', 'alert.updated'],
  );
  const later = (await h.get(`/events?after=${all.nextAfter}`)).json<FeedPage>();
  t.same(later, { events: [], nextAfter: all.nextAfter, caughtUp: true }, 'polling at the head');

  for (const [path, status, error] of [
    ['/events?after=not-a-position', 400, /parameter after is not a position of this event store/],
    ['/events?type=customer.exploded', 400, /parameter type must be a comma-separated list/],
    ['/events?limit=abc', 400, /parameter limit/],
    ['/events?from=2030-01-01T00:00:00Z', 400, /parameter from is not supported/],
  ] as const) {
    const res = await h.get(path);
    t.equal(res.status, status, path);
    t.match(res.json(), { error }, path);
  }
});

void t.test('Accept: application/x-ndjson streams the feed as an export', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const bodies = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify(
      fixtureBody('customer.updated', {
        updatedAt: `2025-04-01T00:00:${String(i).padStart(2, '0')}.000Z`,
      }),
    ),
  );
  for (const body of bodies) await h.deliver(body);

  const res = await h.get('/events', { headers: { accept: 'application/x-ndjson' } });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/x-ndjson/);
  t.equal(res.headers['content-length'], undefined, 'streamed, not buffered');
  t.equal(res.headers['transfer-encoding'], 'chunked');
  const lines = res.body
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEventView);
  t.equal(lines.length, 30);
  t.same(
    lines.map((e) => e.body),
    bodies,
    'every raw body, in commit order',
  );

  const some = await h.get(`/events?after=${lines[9]!.position}&limit=5`, {
    headers: { accept: 'application/x-ndjson' },
  });
  const positions = some.body
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as AuditEventView).position);
  t.same(
    positions,
    lines.slice(10, 15).map((e) => e.position),
  );

  const refused = await h.get('/events', { headers: { accept: 'text/html' } });
  t.equal(refused.status, 406);
  t.match(refused.json(), { error: /application\/json or application\/x-ndjson/ });
});

void t.test(
  'the NDJSON export reads the log one page at a time, as the reader pulls',
  async (t) => {
    const store = openSqliteEventStore({ path: join(t.testdir(), 'events.db') });
    t.teardown(() => store.close());
    for (let batch = 0; batch < 4; batch++) {
      await store.appendToStream(
        `customer-c${batch}`,
        Array.from({ length: 500 }, (_, i) => ({
          id: `00000000-0000-4000-8000-${String(batch * 1000 + i).padStart(12, '0')}`,
          type: 'customer.updated',
          data: Buffer.from(`{"n":${i}}`),
          metadata: {},
        })),
      );
    }
    let reads = 0;
    const counting: EventStore = {
      ...store,
      readAll: (options) => {
        reads += 1;
        return store.readAll(options);
      },
      headPosition: () => store.headPosition(),
    };
    const stream = feedExport(counting, {});
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    t.match(String(first.value), /^\{"streamName":"customer-c0"/);
    t.ok(reads <= 2, `only the first page(s) were read before the first chunk (${reads} reads)`);
    let lines = String(first.value).split('\n').length - 1;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      lines += String(next.value).split('\n').length - 1;
    }
    t.equal(lines, 2000);
    t.ok(reads >= 4, `then one read per page (${reads} reads)`);
  },
);
