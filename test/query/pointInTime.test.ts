import t from 'tap';
import { isWithin } from '../../src/query/pointInTime.js';
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

  // Current state (read model) and the fold of everything agree.
  const current = (await h.get(customer)).json();
  t.equal(current.status, 'Rejected');
  t.match(await at('knownAt=2031-01-01T00:00:00Z'), {
    state: { status: 'Rejected' },
    eventsApplied: 4,
  });

  await t.test(
    'asOf: the state in effect by ComPilot time, whatever the arrival order',
    async (t) => {
      t.match(await at('asOf=2025-03-03T10:00:00Z'), {
        asOf: '2025-03-03T10:00:00.000Z',
        knownAt: null,
        eventsApplied: 1,
        eventsInStream: 4,
        state: { status: null, onboardingLevel: 'Started' },
      });
      t.match(await at('asOf=2025-03-04T12:00:00Z'), {
        eventsApplied: 2,
        state: { status: 'To be reviewed', riskScore: 'Medium', reason: /AML screening hits/ },
      });
      t.match(await at(`asOf=${T3}`), {
        eventsApplied: 3,
        state: { status: 'Active', riskScore: 'Low' },
      });
      t.match(await at('asOf=2025-03-06T12:00:00%2B02:00'), { state: { status: 'Rejected' } });
    },
  );

  await t.test('asOf before the customer existed has no state', async (t) => {
    t.match(await at('asOf=2025-01-01T00:00:00Z'), {
      eventsApplied: 0,
      lastPosition: null,
      state: null,
    });
  });

  await t.test('knownAt: what this service had received by then', async (t) => {
    t.match(await at('knownAt=2030-01-01T09:59:59Z'), { eventsApplied: 0, state: null });
    // Only the T3 update had arrived: Active, although ComPilot said "created" earlier.
    t.match(await at('knownAt=2030-01-01T10:30:00Z'), {
      eventsApplied: 1,
      state: { status: 'Active' },
    });
    t.match(await at('knownAt=2030-01-01T11:00:00Z'), {
      eventsApplied: 2,
      state: { status: 'Active' },
    });
    t.match(await at('knownAt=2030-01-01T12:00:00Z'), {
      eventsApplied: 3,
      state: { status: 'Rejected' },
    });
  });

  await t.test('asOf and knownAt combine', async (t) => {
    // In effect on the 4th (T2 < asOf < T3), as known at R3: the T2 update had not arrived yet.
    t.match(await at('asOf=2025-03-04T12:00:00Z&knownAt=2030-01-01T12:30:00Z'), {
      eventsApplied: 1,
      state: { status: null, onboardingLevel: 'Started' },
    });
    // ...and once it had.
    t.match(await at('asOf=2025-03-04T12:00:00Z&knownAt=2030-01-01T13:00:00Z'), {
      eventsApplied: 2,
      state: { status: 'To be reviewed' },
    });
  });

  await t.test('bad times and unknown customers are refused', async (t) => {
    for (const [query, message] of [
      ['asOf=2025-03-04', /parameter asOf must be an ISO 8601 date-time with a time zone/],
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
