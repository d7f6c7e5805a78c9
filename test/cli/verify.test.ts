import t from 'tap';
import { run } from '../../src/cli/verify.js';
import type { StoreVerificationSummary } from '../../src/query/storeVerification.js';
import {
  appendDetailsSnapshot,
  cliDeps,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  tamperEvents,
  tamperStoredBody,
  type AuditHarness,
} from '../helpers/auditHarness.js';
import { generateSecret } from '../helpers/signWebhook.js';

const stream = `customer-${CUSTOMER_ID}`;

async function populate(h: AuditHarness): Promise<void> {
  for (const type of [
    'customer.created',
    'customer.updated',
    'send.scenario',
    'alert.created',
    'alert.updated',
  ]) {
    const res = await h.deliver(fixtureBody(type));
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
  }
  await h.deliver('{"eventType":"individual.created","payload":{}}'); // quarantined
  const [created] = await h.store.readStream(stream);
  await appendDetailsSnapshot(
    h.store,
    CUSTOMER_ID,
    { id: created!.id, position: created!.position },
    { id: CUSTOMER_ID, status: 'Active' },
    '2030-01-01T00:01:00.000Z',
  );
}

async function verify(h: AuditHarness, env: Record<string, string> = {}, ...args: string[]) {
  const deps = cliDeps(h.env(env));
  const code = await run(args, deps);
  return { code, out: deps.output(), err: deps.errors() };
}

void t.test('verify passes on an intact store and says what it checked', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await populate(h);

  const { code, out, err } = await verify(h);
  t.equal(err, '');
  t.equal(code, 0);
  t.same(out.trimEnd().split('\n'), [
    'checked 7 events in 3 streams',
    'signatures: 6 valid, 0 invalid, 0 no-matching-secret',
    'revisions: contiguous in every stream',
    'details snapshots: 1 linked, 0 unlinked',
    'verify: OK',
  ]);
  const json = await verify(h, {}, '--json');
  t.match(JSON.parse(json.out) as StoreVerificationSummary, {
    events: 7,
    streams: 3,
    signatures: { valid: 6, invalid: 0, 'no-matching-secret': 0 },
    snapshots: { linked: 1, unlinked: 0 },
    problems: 0,
  });
});

void t.test('verify detects a tampered stored body', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await populate(h);
  const updated = (await h.store.readStream(stream))[1]!;
  // DELIBERATE TAMPER of a stored body, directly in the SQLite file.
  tamperStoredBody(h.dbPath, updated.id, updated.data.toString().replace('"Active"', '"Rejected"'));

  const { code, out } = await verify(h);
  t.equal(code, 1);
  t.match(
    out,
    `FAIL signature: ${stream} revision 1 (position ${updated.position}, event ${updated.id}): signature invalid (body-sha256-mismatch)`,
  );
  t.match(out, 'signatures: 5 valid, 1 invalid, 0 no-matching-secret');
  t.match(out, /verify: FAILED \(1 problem\)\n$/);
});

void t.test('verify detects a signature made with a secret not configured here', async (t) => {
  const known = generateSecret();
  const unknown = generateSecret();
  const h = await startAuditHarness(t.testdir(), {
    ingressSecrets: [known, unknown],
    querySecrets: [known],
  });
  t.teardown(() => h.close());
  await h.deliver(fixtureBody('customer.created'), { secret: known });
  await h.deliver(fixtureBody('customer.updated'), { secret: unknown, msgId: 'msg_foreign' });

  const { code, out } = await verify(h);
  t.equal(code, 1);
  t.match(
    out,
    /FAIL signature: .* revision 1 .*signature no-matching-secret \(signed-with-unknown-secret\)/,
  );
  t.match(out, 'signatures: 1 valid, 0 invalid, 1 no-matching-secret');

  const both = await verify(h, { COMPILOT_WEBHOOK_SECRET: `${known},${unknown}` });
  t.equal(both.code, 0, 'valid once the other secret is configured too');
  const none = await verify(h, { COMPILOT_WEBHOOK_SECRET: '' });
  t.equal(none.code, 1);
  t.match(none.err, /COMPILOT_WEBHOOK_SECRET is not set/);
});

void t.test('verify detects a gap in a stream and an unlinked snapshot', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await populate(h);
  await appendDetailsSnapshot(
    h.store,
    CUSTOMER_ID,
    { id: '00000000-0000-5000-8000-000000000000', position: '00000000000000000001' },
    { id: CUSTOMER_ID, status: 'Failed' },
    '2030-01-01T00:02:00.000Z',
  );
  const alertEvents = await h.store.readStream('alert-alrt_Zp3Xk8Rm2Qa1');
  // DELIBERATE TAMPER: move the alert's second event to revision 5, leaving a gap.
  tamperEvents(h.dbPath, 'UPDATE events SET revision = 5 WHERE id = ?', alertEvents[1]!.id);

  const { code, out } = await verify(h);
  t.equal(code, 1);
  t.match(
    out,
    /FAIL revision: alert-alrt_Zp3Xk8Rm2Qa1 revision 5 .*revision 5 where 1 was expected/,
  );
  t.match(
    out,
    /FAIL causation: customer-.* caused by 00000000-0000-5000-8000-000000000000 at 00000000000000000001, which is not an earlier webhook event/,
  );
  t.match(out, 'details snapshots: 1 linked, 1 unlinked');
  t.match(out, 'revisions: 1 out of sequence');
});

void t.test('verify refuses arguments it does not take', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (const args of [['--all'], ['extra']]) {
    const deps = cliDeps(h.env());
    t.equal(await run(args, deps), 2);
    t.match(deps.errors(), /usage: compilot-ledger verify/);
  }
  const help = cliDeps(h.env());
  t.equal(await run(['--help'], help), 0);
  t.match(help.output(), /every stream's revisions contiguous from 0/);
});
