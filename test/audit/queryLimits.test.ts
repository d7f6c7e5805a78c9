import t from 'tap';
import { PAGE_MAX_BYTES } from '../../src/lib/jsonPageBudget.js';
import type { AuditTrailPage } from '../../src/audit/auditTrail.js';
import type { FeedPage } from '../../src/audit/globalFeed.js';
import { getKycHistory } from '../../src/readmodel/queries.js';
import {
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  type AuditHarness,
} from '../helpers/auditHarness.js';

const trail = `/customers/${CUSTOMER_ID}/events`;

/** A send.scenario body of exactly `bytes` bytes (padded in an extra payload field). */
function runBody(bytes: number, index: number): string {
  const base = JSON.stringify(
    fixtureBody('send.scenario', { padding: '', executionId: `exec-${index}` }),
  );
  const body = JSON.stringify(
    fixtureBody('send.scenario', {
      padding: 'x'.repeat(bytes - base.length),
      executionId: `exec-${index}`,
    }),
  );
  if (body.length !== bytes) throw new Error(`padded body is ${body.length} bytes`);
  return body;
}

async function deliverRuns(h: AuditHarness, count: number, bytes: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = runBody(bytes, i);
    const res = await h.deliver(body);
    if (res.status !== 200) throw new Error(`delivery ${i} answered ${res.status}`);
    bodies.push(body);
  }
  return bodies;
}

/** Every page of the customer's trail by nextCursor, with the size of each answer. */
async function walkTrail(h: AuditHarness, query: string) {
  const pages: { bytes: number; page: AuditTrailPage }[] = [];
  let cursor: string | null = null;
  do {
    const res = await h.get(`${trail}?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`trail answered ${res.status}`);
    const page = res.json<AuditTrailPage>();
    pages.push({ bytes: res.body.length, page });
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

void t.test(
  'pages of ~1 MiB deliveries stay under the 8 MiB cap and nextCursor walks each once',
  async (t) => {
    // Bodies inlined whatever their size, so the byte cap (the default 8 MiB) is what cuts.
    const h = await startAuditHarness(t.testdir(), {
      queryLimits: { inlineBodyMaxBytes: Infinity },
    });
    t.teardown(() => h.close());
    const bodies = await deliverRuns(h, 40, 1_000_000);

    const pages = await walkTrail(h, 'limit=1000');
    for (const { bytes } of pages) t.ok(bytes <= PAGE_MAX_BYTES, `a page of ${bytes} bytes`);
    t.ok(pages.length >= 5, `40 MB took ${pages.length} pages`);
    t.ok(
      pages.some(({ page }) => page.events.length > 1),
      'a page holds as many as fit',
    );
    const events = pages.flatMap(({ page }) => page.events);
    t.same(
      events.map((e) => e.revision),
      bodies.map((_, i) => i),
      'every event once, in order',
    );
    t.ok(
      events.every((e, i) => e.body === bodies[i]),
      'each body byte for byte',
    );

    // The global feed pages the same way, by nextAfter, until it has caught up.
    const seen: string[] = [];
    let after: string | null = null;
    let caughtUp = false;
    let feedPages = 0;
    while (!caughtUp && feedPages < 100) {
      const res = await h.get(`/events?limit=1000${after ? `&after=${after}` : ''}`);
      t.ok(res.body.length <= PAGE_MAX_BYTES, `a feed page of ${res.body.length} bytes`);
      const page = res.json<FeedPage>();
      seen.push(...page.events.map((e) => e.id));
      ({ nextAfter: after, caughtUp } = page);
      feedPages += 1;
    }
    t.ok(feedPages >= 5);
    t.same(
      seen,
      events.map((e) => e.id),
      'the feed lists every event once',
    );
  },
);

void t.test('an event larger than the page cap is returned alone', async (t) => {
  const h = await startAuditHarness(t.testdir(), {
    queryLimits: { inlineBodyMaxBytes: Infinity, pageMaxBytes: 64 * 1024 },
  });
  t.teardown(() => h.close());
  const bodies = await deliverRuns(h, 3, 100_000);
  const pages = await walkTrail(h, 'limit=10');
  t.same(
    pages.map(({ page }) => page.events.length),
    [1, 1, 1],
  );
  t.same(
    pages.map(({ page }) => page.events[0]!.body),
    bodies,
  );
  t.equal(pages.at(-1)!.page.nextCursor, null);
});

void t.test('lists of the read model and the KYC history are cut by bytes too', async (t) => {
  const h = await startAuditHarness(t.testdir(), { queryLimits: { pageMaxBytes: 6 * 1024 } });
  t.teardown(() => h.close());
  for (let i = 0; i < 4; i++) {
    const res = await h.deliver(
      fixtureBody('alert.created', { id: `alrt_bytes${i}`, reason: 'r'.repeat(3000) }),
    );
    t.equal(res.status, 200);
  }
  await deliverRuns(h, 4, 3000);
  await h.caughtUp();

  const alerts: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await h.get(`/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    const page: { alerts: { alertId: string }[]; nextCursor: string | null } = res.json();
    t.ok(page.alerts.length >= 1 && page.alerts.length < 4, 'a page cut by bytes');
    alerts.push(...page.alerts.map((a) => a.alertId));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 20);
  t.same(alerts, ['alrt_bytes0', 'alrt_bytes1', 'alrt_bytes2', 'alrt_bytes3']);

  const entries: string[] = [];
  cursor = null;
  pages = 0;
  do {
    const path = `/customers/${CUSTOMER_ID}/kyc-history?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page: { entries: { entryId: string }[]; nextCursor: string | null } = (
      await h.get(path)
    ).json();
    t.ok(page.entries.length >= 1 && page.entries.length <= 2);
    entries.push(...page.entries.map((e) => e.entryId));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 20);
  const whole = getKycHistory(h.readModel, CUSTOMER_ID);
  t.ok(whole.length >= 4, 'one entry per run at least');
  t.same(
    entries,
    whole.map((e) => e.entryId),
    'every entry once, in order',
  );
  const bad = await h.get(`/customers/${CUSTOMER_ID}/kyc-history?cursor=eyJlIjoibm9wZSJ9`);
  t.equal(bad.status, 400);
  t.match(bad.json(), { error: /parameter cursor names an entry this customer does not have/ });
});
