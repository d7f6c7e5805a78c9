import t from 'tap';
import type { AuditTrailPage } from '../../src/audit/auditTrail.js';
import type { AuditEventView } from '../../src/audit/auditEventView.js';
import type { FeedPage } from '../../src/audit/globalFeed.js';
import {
  appendDetailsSnapshot,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
} from '../helpers/auditHarness.js';

const trail = `/customers/${CUSTOMER_ID}/events`;

void t.test(
  'bodies over 64 KiB are left out of lists and fetched byte for byte from rawUrl',
  async (t) => {
    const h = await startAuditHarness(t.testdir());
    t.teardown(() => h.close());
    const small = JSON.stringify(fixtureBody('customer.created'), null, 2);
    const large = JSON.stringify(fixtureBody('send.scenario', { padding: 'é"'.repeat(200_000) }));
    const justOver = JSON.stringify(
      fixtureBody('customer.updated', { padding: 'x'.repeat(64 * 1024) }),
    );
    for (const body of [small, large, justOver]) t.equal((await h.deliver(body)).status, 200);
    // Not JSON: quarantined, and the feed links its bytes too.
    const garbage = `not json ${'z'.repeat(70 * 1024)}`;
    t.equal((await h.deliver(garbage)).status, 200);
    const [created] = await h.store.readStream(`customer-${CUSTOMER_ID}`);
    await appendDetailsSnapshot(
      h.store,
      CUSTOMER_ID,
      created!,
      { id: CUSTOMER_ID, status: 'Active' },
      '2030-01-01T00:05:00.000Z',
    );

    const page = (await h.get(trail)).json<AuditTrailPage>();
    const [first, second, third, snapshot] = page.events as AuditEventView[];
    t.match(first, { body: small, bodyBytes: Buffer.byteLength(small) });
    t.match(second, { body: null, bodyBytes: Buffer.byteLength(large) });
    t.match(third, { body: null, bodyBytes: Buffer.byteLength(justOver) });
    t.notOk('bodyEncoding' in second!, 'no encoding without a body');
    t.equal(
      second!.rawUrl,
      `/streams/${encodeURIComponent(`customer-${CUSTOMER_ID}`)}/events/1/raw`,
    );

    for (const [event, body] of [
      [first!, small],
      [second!, large],
      [third!, justOver],
    ] as const) {
      const raw = await h.get(event.rawUrl);
      t.equal(raw.status, 200);
      t.ok(raw.body.equals(Buffer.from(body, 'utf8')), `revision ${event.revision}: exact bytes`);
      t.equal(raw.headers['content-type'], 'application/json', 'the type it was delivered with');
      t.equal(raw.headers['x-content-type-options'], 'nosniff');
      t.equal(raw.headers['x-event-id'], event.id);
      t.equal(raw.headers['x-event-position'], event.position);
    }
    const snapshotRaw = await h.get(snapshot!.rawUrl);
    t.equal(snapshotRaw.headers['content-type'], 'application/json');
    t.same(JSON.parse(snapshotRaw.body.toString('utf8')), { id: CUSTOMER_ID, status: 'Active' });

    const feed = (await h.get('/events?type=quarantined')).json<FeedPage>();
    t.match(feed.events, [{ streamName: 'quarantine', body: null }]);
    const quarantined = await h.get(feed.events[0]!.rawUrl);
    t.equal(quarantined.body.toString('utf8'), garbage);

    // The export is the evidence: every line carries its body.
    const ndjson = await h.get('/events', { headers: { accept: 'application/x-ndjson' } });
    const lines = ndjson.body
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEventView);
    t.same(
      lines.filter((e) => e.streamName !== 'quarantine').map((e) => e.body),
      [small, large, justOver, JSON.stringify({ id: CUSTOMER_ID, status: 'Active' })],
    );
  },
);

void t.test('the raw route refuses what it cannot answer precisely', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  t.equal((await h.deliver(fixtureBody('customer.created'))).status, 200);
  const stream = encodeURIComponent(`customer-${CUSTOMER_ID}`);
  const cases: [string, number, RegExp][] = [
    [`/streams/${stream}/events/1/raw`, 404, /no event 1 is stored in stream customer-/],
    ['/streams/customer-nobody/events/0/raw', 404, /no event 0 is stored/],
    [`/streams/${stream}/events/-1/raw`, 400, /parameter revision must be a whole number/],
    [`/streams/${stream}/events/0/raw?x=1`, 400, /parameter x is not supported/],
    [`/streams/${'s'.repeat(513)}/events/0/raw`, 400, /parameter streamName must be/],
  ];
  for (const [path, status, message] of cases) {
    const res = await h.get(path);
    t.equal(res.status, status, path);
    t.match(res.json(), { error: message });
  }
  const anonymous = await h.get(`/streams/${stream}/events/0/raw`, { token: null });
  t.equal(anonymous.status, 401, 'behind the bearer token like every query');
});
