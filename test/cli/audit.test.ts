import t from 'tap';
import { run } from '../../src/cli/audit.js';
import {
  appendDetailsSnapshot,
  cliDeps,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  tamperStoredBody,
  type AuditHarness,
} from '../helpers/auditHarness.js';

const created = fixtureBody('customer.created', { createdAt: '2025-03-03T09:00:00.000Z' });
const review = fixtureBody('customer.updated', {
  updatedAt: '2025-03-04T09:00:00.000Z',
  status: 'To be reviewed',
  riskScore: 'Medium',
  onboardingLevel: 'AML screening',
  reason: 'AML screening hits received during onboarding',
});
const active = fixtureBody('customer.updated', {
  updatedAt: '2025-03-05T09:00:00.000Z',
  status: 'Active',
  riskScore: 'Low',
  onboardingLevel: 'Onboarded',
  reason: 'Rules engine verification passed',
});

/** Delivered out of order: active (R1), created (R2), review (R3). */
async function journey(h: AuditHarness): Promise<void> {
  for (const [body, at, msgId] of [
    [active, '2030-01-01T10:00:00.000Z', 'msg_active'],
    [created, '2030-01-01T11:00:00.000Z', 'msg_created'],
    [review, '2030-01-01T12:00:00.000Z', 'msg_review'],
  ] as const) {
    h.clock.set(at);
    const res = await h.deliver(body, { msgId });
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
  }
}

async function audit(h: AuditHarness, ...args: string[]) {
  const deps = cliDeps(h.env());
  const code = await run(args, deps);
  return { code, out: deps.output(), err: deps.errors() };
}

void t.test(
  'audit prints the timeline in ComPilot time order with changes and evidence',
  async (t) => {
    const h = await startAuditHarness(t.testdir());
    t.teardown(() => h.close());
    await journey(h);
    const [activeEvent] = await h.store.readStream(`customer-${CUSTOMER_ID}`);
    await appendDetailsSnapshot(
      h.store,
      CUSTOMER_ID,
      { id: activeEvent!.id, position: activeEvent!.position },
      { id: CUSTOMER_ID, status: 'Active', updatedAt: '2025-03-06T00:00:00.000Z' },
      '2030-01-01T12:30:00.000Z',
    );

    const { code, out, err } = await audit(h, CUSTOMER_ID);
    t.equal(code, 0);
    t.equal(err, '');
    t.match(out, `Customer ${CUSTOMER_ID} (stream customer-${CUSTOMER_ID}): 4 of 4 events`);
    const blocks = out.split('\n\n').slice(1, 4);
    t.match(
      blocks[0],
      /^2025-03-03T09:00:00\.000Z {2}customer\.created {2}\(received 2030-01-01T11:00:00\.000Z\)/,
    );
    t.match(blocks[0], /change: +onboardingLevel: \(none\) -> Started/);
    t.match(blocks[0], /evidence: +svix msg_created, position \d+/);
    t.match(blocks[1], /^2025-03-04T09:00:00\.000Z {2}customer\.updated/);
    t.match(blocks[1], /change: +status: \(none\) -> To be reviewed/);
    t.match(blocks[1], /change: +riskScore: \(none\) -> Medium/);
    t.match(blocks[1], /reason: +AML screening hits received during onboarding/);
    t.match(blocks[2], /change: +status: To be reviewed -> Active/);
    t.match(blocks[2], /evidence: +svix msg_active/);
    t.match(
      out,
      /2025-03-06T00:00:00\.000Z {2}compilot\.customer\.details {2}\(received 2030-01-01T12:30:00\.000Z\)\n {4}change: +\(none\)\n {4}evidence: +snapshot \S+, position \d+, fetched 2030-01-01T12:30:00\.000Z, for svix msg_active/,
    );
    t.match(out, /State: status Active, risk score Low, onboarding level Onboarded\n$/);
    t.notMatch(out, /signature:/, 'no proofs unless asked');
  },
);

void t.test('audit at a point in time by either clock', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await journey(h);

  const asOf = await audit(h, CUSTOMER_ID, '--as-of', '2025-03-04T12:00:00Z');
  t.equal(asOf.code, 0);
  t.match(asOf.out, '2 of 3 events, as of 2025-03-04T12:00:00.000Z (ComPilot time)');
  t.match(asOf.out, /State: status To be reviewed, risk score Medium/);

  const knownAt = await audit(h, CUSTOMER_ID, '--known-at', '2030-01-01T10:30:00Z');
  t.match(knownAt.out, '1 of 3 events, as known at 2030-01-01T10:30:00.000Z');
  t.match(knownAt.out, /State: status Active/);

  const both = await audit(
    h,
    CUSTOMER_ID,
    '--as-of',
    '2025-03-04T12:00:00Z',
    '--known-at',
    '2030-01-01T11:30:00Z',
  );
  t.match(both.out, /1 of 3 events/);
  t.match(both.out, /State: status \(none\), risk score \(none\), onboarding level Started/);

  // A date alone is the end of that day in UTC: the 4th includes its 09:00 update.
  const day = await audit(h, CUSTOMER_ID, '--as-of', '2025-03-04');
  t.equal(day.code, 0, day.err);
  t.match(day.out, '2 of 3 events, as of 2025-03-04T23:59:59.999Z (ComPilot time)');
  t.match(day.out, /State: status To be reviewed/);
  const knownDay = await audit(h, CUSTOMER_ID, '--known-at', '2030-01-01', '--json');
  t.match(JSON.parse(knownDay.out), { knownAt: '2030-01-01T23:59:59.999Z', eventsInStream: 3 });

  const before = await audit(h, CUSTOMER_ID, '--as-of', '2020-01-01T00:00:00Z');
  t.match(before.out, /0 of 3 events[\s\S]*State: none recorded at that point/);

  const json = await audit(h, CUSTOMER_ID, '--as-of', '2025-03-04T12:00:00Z', '--json');
  const doc = JSON.parse(json.out) as {
    asOf: string;
    rows: { eventType: string; changes: string[] }[];
    state: { status: string };
  };
  t.equal(doc.asOf, '2025-03-04T12:00:00.000Z');
  t.same(
    doc.rows.map((row) => row.eventType),
    ['customer.created', 'customer.updated'],
  );
  t.equal(doc.state.status, 'To be reviewed');
});

void t.test('audit --verify shows each verdict and fails on a tampered body', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await journey(h);

  const clean = await audit(h, CUSTOMER_ID, '--verify');
  t.equal(clean.code, 0);
  t.equal(clean.out.match(/signature: valid \(secret 1\)/g)?.length, 3);
  t.match(clean.out, /Signatures: 3 valid, 0 invalid, 0 no-matching-secret/);

  const [, , reviewEvent] = await h.store.readStream(`customer-${CUSTOMER_ID}`);
  // DELIBERATE TAMPER of a stored body, directly in the SQLite file.
  tamperStoredBody(
    h.dbPath,
    reviewEvent!.id,
    reviewEvent!.data.toString().replace('Medium', 'Low'),
  );
  const tampered = await audit(h, CUSTOMER_ID, '--verify');
  t.equal(tampered.code, 1);
  t.match(tampered.out, /signature: invalid \(body-sha256-mismatch\)/);
  t.match(tampered.out, /Signatures: 2 valid, 1 invalid, 0 no-matching-secret/);

  const noSecret = cliDeps(h.env({ COMPILOT_WEBHOOK_SECRET: '' }));
  t.equal(await run([CUSTOMER_ID, '--verify'], noSecret), 1);
  t.match(noSecret.output(), /no-matching-secret \(no-secret-configured\)/);
  t.match(noSecret.errors(), /COMPILOT_WEBHOOK_SECRET is not set/);
});

void t.test('audit answers usage errors and unknown customers', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await journey(h);

  const unknown = await audit(h, 'nobody');
  t.equal(unknown.code, 1);
  t.match(unknown.err, 'no events are stored for customer nobody');
  for (const args of [
    [],
    ['a', 'b'],
    [CUSTOMER_ID, '--since', 'x'],
    [CUSTOMER_ID, '--as-of', 'yesterday'],
    [CUSTOMER_ID, '--as-of', '2025-02-30'],
  ]) {
    const res = await audit(h, ...args);
    t.equal(res.code, 2, args.join(' '));
    t.match(res.err, /usage: compilot-ledger audit <customerId>/);
    t.equal(res.out, '');
  }
  const help = await audit(h, '--help');
  t.equal(help.code, 0);
  t.match(help.out, /usage: compilot-ledger audit/);
});

void t.test('audit runs whatever the settings it does not use say (PORT=abc)', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await journey(h);
  const deps = cliDeps(
    h.env({ PORT: 'abc', READ_MODEL_URL: 'nope', QUERY_API_TOKENS: 'short', HOST: '' }),
  );
  t.equal(await run([CUSTOMER_ID], deps), 0, deps.errors());
  t.match(deps.output(), CUSTOMER_ID);
});
