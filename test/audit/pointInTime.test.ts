import t from 'tap';
import { isWithin } from '../../src/audit/pointInTime.js';
import { CUSTOMER_ID, fixtureBody, startAuditHarness } from '../helpers/auditHarness.js';

const customer = `/customers/${CUSTOMER_ID}`;

// ComPilot times of the journey: created T1, to be reviewed T2, active T3, rejected T4.
const T1 = '2025-03-03T09:00:00.000Z';
const T2 = '2025-03-04T09:00:00.000Z';
const T3 = '2025-03-05T09:00:00.000Z';
const T4 = '2025-03-06T09:00:00.000Z';

const journey = {
  created: fixtureBody('customer.created', { createdAt: T1, onboardingLevel: 'Started' }),
  review: fixtureBody('customer.updated', {
    createdAt: T1,
    updatedAt: T2,
    status: 'To be reviewed',
    riskScore: 'Medium',
    onboardingLevel: 'AML screening',
    reason: 'AML screening hits received during onboarding',
  }),
  active: fixtureBody('customer.updated', {
    createdAt: T1,
    updatedAt: T3,
    status: 'Active',
    riskScore: 'Low',
    onboardingLevel: 'Onboarded',
    reason: 'Rules engine verification passed',
  }),
  rejected: fixtureBody('customer.updated', {
    createdAt: T1,
    updatedAt: T4,
    status: 'Rejected',
    riskScore: 'High',
    reason: 'AML screening hits received during ongoing monitoring',
  }),
};

// Delivered out of order; the store's clock says when each arrived (R1 < R2 < R3 < R4).
const deliveries: [keyof typeof journey, string][] = [
  ['active', '2030-01-01T10:00:00.000Z'],
  ['created', '2030-01-01T11:00:00.000Z'],
  ['rejected', '2030-01-01T12:00:00.000Z'],
  ['review', '2030-01-01T13:00:00.000Z'],
];

void t.test('asOf and knownAt fold the customer stream at several points', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (const [name, at] of deliveries) {
    h.clock.set(at);
    t.equal((await h.deliver(journey[name])).status, 200);
  }
  await h.caughtUp();

  const at = async (query: string) => {
    const res = await h.get(`${customer}?${query}`);
    t.equal(res.status, 200, query);
    return res.json();
  };

  // Current state (read model) and the fold of everything agree, in one shape.
  const current = (await h.get(customer)).json();
  t.match(current, {
    asOf: null,
    knownAt: null,
    eventsApplied: null,
    eventsInStream: null,
    status: 'Rejected',
    openAlertCount: 0,
  });
  const folded = await at('knownAt=2031-01-01T00:00:00Z');
  t.match(folded, {
    knownAt: '2031-01-01T00:00:00.000Z',
    status: 'Rejected',
    eventsApplied: 4,
    openAlertCount: null,
    alertCounts: null,
  });
  t.same(Object.keys(folded).sort(), Object.keys(current).sort(), 'the same fields either way');
  const withoutPoint = (answer: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(answer).filter(
        ([key]) => !['asOf', 'knownAt', 'eventsApplied', 'eventsInStream'].includes(key),
      ),
    );
  t.same(
    { ...withoutPoint(folded), openAlertCount: 0, alertCounts: {} },
    withoutPoint(current),
    'the fold of every event is the current state',
  );

  await t.test(
    'asOf: the state in effect by ComPilot time, whatever the arrival order',
    async (t) => {
      t.match(await at('asOf=2025-03-03T10:00:00Z'), {
        asOf: '2025-03-03T10:00:00.000Z',
        knownAt: null,
        eventsApplied: 1,
        eventsInStream: 4,
        status: null,
        onboardingLevel: 'Started',
      });
      t.match(await at('asOf=2025-03-04T12:00:00Z'), {
        eventsApplied: 2,
        status: 'To be reviewed',
        riskScore: 'Medium',
        reason: /AML screening hits/,
      });
      t.match(await at(`asOf=${T3}`), { eventsApplied: 3, status: 'Active', riskScore: 'Low' });
      t.match(await at('asOf=2025-03-06T12:00:00%2B02:00'), { status: 'Rejected' });
    },
  );

  await t.test('a date alone means the end of that day in UTC', async (t) => {
    // T2 is 09:00 on the 4th, T3 09:00 on the 5th: the 4th as a whole includes T2 only.
    t.match(await at('asOf=2025-03-04'), {
      asOf: '2025-03-04T23:59:59.999Z',
      eventsApplied: 2,
      status: 'To be reviewed',
    });
    t.same(await at('asOf=2025-03-04'), await at('asOf=2025-03-04T23:59:59.999Z'));
    t.match(await at('asOf=2025-03-05'), { eventsApplied: 3, status: 'Active' });
    // Received at 10:00, 11:00, 12:00 and 13:00 on 2030-01-01: the whole day knows all four.
    t.match(await at('knownAt=2030-01-01'), {
      knownAt: '2030-01-01T23:59:59.999Z',
      eventsApplied: 4,
    });
    t.equal((await h.get(`${customer}?knownAt=2029-12-31`)).status, 404, 'the day before: none');
  });

  await t.test('a point before the customer existed is a 404 that says so', async (t) => {
    const res = await h.get(`${customer}?asOf=2025-01-01T00:00:00Z`);
    t.equal(res.status, 404);
    t.match(res.json(), {
      error: `customer ${CUSTOMER_ID} had no recorded state at asOf 2025-01-01T00:00:00.000Z (4 events are stored for it)`,
    });
  });

  await t.test('knownAt: what this service had received by then', async (t) => {
    const early = await h.get(`${customer}?knownAt=2030-01-01T09:59:59Z`);
    t.equal(early.status, 404);
    t.match(early.json(), { error: /had no recorded state at knownAt 2030-01-01T09:59:59.000Z/ });
    // Only the T3 update had arrived: Active, although ComPilot said "created" earlier.
    t.match(await at('knownAt=2030-01-01T10:30:00Z'), { eventsApplied: 1, status: 'Active' });
    t.match(await at('knownAt=2030-01-01T11:00:00Z'), { eventsApplied: 2, status: 'Active' });
    t.match(await at('knownAt=2030-01-01T12:00:00Z'), { eventsApplied: 3, status: 'Rejected' });
  });

  await t.test('asOf and knownAt combine', async (t) => {
    // In effect on the 4th (T2 < asOf < T3), as known at R3: the T2 update had not arrived yet.
    t.match(await at('asOf=2025-03-04T12:00:00Z&knownAt=2030-01-01T12:30:00Z'), {
      eventsApplied: 1,
      status: null,
      onboardingLevel: 'Started',
    });
    // ...and once it had.
    t.match(await at('asOf=2025-03-04T12:00:00Z&knownAt=2030-01-01T13:00:00Z'), {
      eventsApplied: 2,
      status: 'To be reviewed',
    });
  });

  await t.test('bad times and unknown customers are refused', async (t) => {
    for (const [query, message] of [
      ['asOf=2025-03-4', /parameter asOf must be an ISO 8601 date-time with a time zone/],
      ['asOf=2025-02-29', /or a date such as 2025-03-03 \(the end of that day, UTC\)/],
      ['knownAt=2025-03-04T12:00:00', /parameter knownAt must be/],
      ['asOf=2025-13-01T00:00:00Z', /parameter asOf/],
      ['as_of=2025-03-04T12:00:00Z', /parameter as_of is not supported/],
    ] as const) {
      const res = await h.get(`${customer}?${query}`);
      t.equal(res.status, 400, query);
      t.match(res.json(), { error: message });
    }
    const unknown = await h.get('/customers/nobody?asOf=2025-03-04T12:00:00Z');
    t.equal(unknown.status, 404);
    t.match(unknown.json(), { error: /no customer nobody is known/ });
  });
});

void t.test('knownAt goes by the covered metadata times, never by the store commit time', (t) => {
  const base = {
    streamName: `customer-${CUSTOMER_ID}`,
    revision: 0n,
    position: '00000000000000000001',
    id: '00000000-0000-4000-8000-000000000001',
    type: 'customer.updated',
    data: Buffer.from(JSON.stringify(journey.active)),
    // A commit time that says "known early": an edited recorded_at must not move the event.
    recordedAt: new Date('2020-01-01T00:00:00.000Z'),
  };
  const knownAt = new Date('2030-01-01T10:30:00.000Z');
  const delivery = { ...base, metadata: { receivedAt: '2030-01-01T11:00:00.000Z' } };
  t.equal(isWithin(delivery, { knownAt }), false, 'a delivery counts from its receivedAt');
  const snapshot = { ...base, metadata: { fetchedAt: '2030-01-01T10:00:00.000Z' } };
  t.equal(isWithin(snapshot, { knownAt }), true, 'a snapshot from its fetchedAt');
  const replay = {
    ...base,
    metadata: { receivedAt: '2030-01-01T09:00:00.000Z', replayedAt: '2030-01-01T11:00:00.000Z' },
  };
  t.equal(isWithin(replay, { knownAt }), false, 'a replayed delivery from its replayedAt');
  t.end();
});
