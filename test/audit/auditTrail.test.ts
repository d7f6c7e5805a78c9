import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import type { AuditTrailPage } from '../../src/audit/auditTrail.js';
import type { AuditEventView } from '../../src/audit/auditEventView.js';
import {
  appendDetailsSnapshot,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  tamperStoredBody,
  type AuditHarness,
} from '../helpers/auditHarness.js';
import { generateSecret } from '../helpers/signWebhook.js';

const trail = `/customers/${CUSTOMER_ID}/events`;

async function getPage(
  h: AuditHarness,
  path: string,
): Promise<AuditTrailPage & { verifiedAt?: string }> {
  const res = await h.get(path);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.body.toString()}`);
  return res.json<AuditTrailPage & { verifiedAt?: string }>();
}

async function deliverJourney(h: AuditHarness): Promise<{ bodies: string[]; msgIds: string[] }> {
  const bodies = [
    fixtureBody('customer.created'),
    fixtureBody('send.scenario'),
    fixtureBody('customer.updated'),
    fixtureBody('send.verification.flow'),
    fixtureBody('alert.created'),
  ].map((body) => JSON.stringify(body, null, 1));
  const msgIds = bodies.map((_, i) => `msg_trail_${i}`);
  for (const [i, body] of bodies.entries()) {
    h.clock.set(`2030-01-01T00:0${i}:00.000Z`);
    const res = await h.deliver(body, { msgId: msgIds[i]! });
    if (res.status !== 200) throw new Error(`delivery ${i} answered ${res.status}`);
  }
  return { bodies, msgIds };
}

void t.test('the audit trail lists every stored event of the customer stream', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const { bodies, msgIds } = await deliverJourney(h);

  const page = await getPage(h, trail);
  t.equal(page.customerId, CUSTOMER_ID);
  t.equal(page.streamName, customerStream(CUSTOMER_ID));
  t.equal(page.nextCursor, null);
  // The alert went to its own stream; the four customer events are here, oldest first.
  t.same(
    page.events.map((e) => e.type),
    ['customer.created', 'send.scenario', 'customer.updated', 'send.verification.flow'],
  );
  const [created, scenario, updated] = page.events as [
    AuditEventView,
    AuditEventView,
    AuditEventView,
  ];
  t.match(created, {
    streamName: customerStream(CUSTOMER_ID),
    revision: 0,
    svixId: msgIds[0],
    comPilotTime: '2025-03-03T09:14:02.118Z',
    receivedAt: '2030-01-01T00:00:00.000Z',
    recordedAt: '2030-01-01T00:00:00.000Z',
    body: bodies[0],
    metadata: { svixId: msgIds[0], headerScheme: 'svix' },
  });
  t.type(created.position, 'string');
  t.notOk('signature' in created, 'no proof unless asked');
  // A scenario run has no ComPilot timestamp: its signed svix timestamp stands in.
  t.match(scenario.comPilotTime, /^\d{4}-\d{2}-\d{2}T/);
  t.equal(updated.comPilotTime, '2025-03-03T09:21:40.512Z');
  t.equal(updated.body, bodies[2], 'the raw body byte for byte');
  t.ok(page.events.every((e, i, all) => i === 0 || all[i - 1]!.position < e.position));
});

void t.test('the audit trail filters by type and received-time range', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await deliverJourney(h);

  const byType = await getPage(h, `${trail}?type=customer.created,customer.updated`);
  t.same(
    byType.events.map((e) => e.type),
    ['customer.created', 'customer.updated'],
  );

  // Received at 00:01 (scenario) and 00:02 (updated); `to` is exclusive.
  const ranged = await getPage(h, `${trail}?from=2030-01-01T00:01:00Z&to=2030-01-01T00:03:00Z`);
  t.same(
    ranged.events.map((e) => e.type),
    ['send.scenario', 'customer.updated'],
  );
  const offset = await getPage(h, `${trail}?from=2030-01-01T01:02:00%2B01:00`);
  t.same(
    offset.events.map((e) => e.type),
    ['customer.updated', 'send.verification.flow'],
  );
});

void t.test('bad parameters and unknown customers are answered precisely', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await deliverJourney(h);
  const cases: [string, number, RegExp][] = [
    [`${trail}?type=alert.created`, 400, /parameter type must be a comma-separated list/],
    [`${trail}?from=yesterday`, 400, /parameter from must be an ISO 8601 date-time/],
    [`${trail}?to=2030-02-30T00:00:00Z`, 400, /parameter to must be an ISO 8601/],
    [
      `${trail}?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z`,
      400,
      /parameter to must be after from/,
    ],
    [`${trail}?limit=0`, 400, /parameter limit must be a whole number from 1 to 1000/],
    [`${trail}?limit=1001`, 400, /parameter limit/],
    [`${trail}?cursor=not-a-cursor`, 400, /parameter cursor is not a cursor issued by this API/],
    [`${trail}?verify=yes`, 400, /parameter verify must be true or false/],
    [`${trail}?limit=1&limit=2`, 400, /parameter limit must be given at most once/],
    [`${trail}?typ=customer.created`, 400, /parameter typ is not supported/],
    [
      '/customers/no-such-customer/events',
      404,
      /no events are stored for customer no-such-customer/,
    ],
  ];
  for (const [path, status, message] of cases) {
    const res = await h.get(path);
    t.equal(res.status, status, path);
    t.match(res.json(), { error: message }, path);
    t.notMatch(res.body.toString(), /at .*\.ts:\d+/, 'no stack trace');
  }
});

void t.test('cursor pagination is exact while deliveries keep arriving', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await deliverJourney(h);

  const seen: { revision: number; id: string }[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  // 20 more deliveries race with the paging.
  const writes = Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      h.deliver(
        fixtureBody('customer.updated', {
          updatedAt: `2025-04-01T00:00:${String(i).padStart(2, '0')}.000Z`,
        }),
      ),
    ),
  );
  do {
    const page = await getPage(h, `${trail}?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.events.length);
    seen.push(...page.events.map((e) => ({ revision: e.revision, id: e.id })));
    cursor = page.nextCursor;
  } while (cursor !== null);
  await writes;

  t.same(
    seen.map((e) => e.revision),
    seen.map((_, i) => i),
    'no repeat, no gap',
  );
  t.equal(new Set(seen.map((e) => e.id)).size, seen.length);
  t.ok(pages.every((n) => n <= 3));
  // Whatever arrived after the last page is still reachable from the first page on.
  const all = (await getPage(h, `${trail}?limit=1000`)).events;
  t.equal(all.length, 24);
  t.same(
    all.slice(0, seen.length).map((e) => e.id),
    seen.map((e) => e.id),
  );
});

void t.test('verify=true proves each delivery against the configured secrets', async (t) => {
  const current = generateSecret();
  const retired = generateSecret();
  // Ingress still accepts the retired secret; the query API only knows the current one.
  const h = await startAuditHarness(t.testdir(), {
    ingressSecrets: [current, retired],
    querySecrets: [current],
  });
  t.teardown(() => h.close());
  h.clock.set('2030-01-01T00:00:00.000Z');
  await h.deliver(fixtureBody('customer.created'), { secret: current, msgId: 'msg_ok' });
  await h.deliver(fixtureBody('customer.updated'), { secret: retired, msgId: 'msg_retired' });
  await h.deliver(fixtureBody('send.scenario'), { secret: current, msgId: 'msg_tampered' });
  const stored = (await getPage(h, trail)).events;
  await appendDetailsSnapshot(
    h.store,
    CUSTOMER_ID,
    { id: stored[0]!.id, position: stored[0]!.position },
    { id: CUSTOMER_ID, status: 'Active', updatedAt: '2025-03-03T09:22:00.000Z' },
    '2030-01-01T00:05:00.000Z',
  );
  // DELIBERATE TAMPER of the scenario's stored body, directly in the SQLite file.
  tamperStoredBody(h.dbPath, stored[2]!.id, stored[2]!.body!.replace('"valid"', '"not-valid"'));

  const page = await getPage(h, `${trail}?verify=true`);
  t.equal(page.verifiedAt, '2030-01-01T00:00:00.000Z');
  t.same(
    page.events.map((e) => [e.svixId, e.signature]),
    [
      ['msg_ok', { verdict: 'valid', secretIndex: 0 }],
      ['msg_retired', { verdict: 'no-matching-secret', reason: 'signed-with-unknown-secret' }],
      ['msg_tampered', { verdict: 'invalid', reason: 'body-sha256-mismatch' }],
      [null, null],
    ],
  );
  t.match(page.events[2]!.body, /"not-valid"/, 'the trail shows what is stored now');
});
