import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { run } from '../../src/cli/verify.js';
import type { StoreVerificationSummary } from '../../src/audit/storeVerification.js';
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
  const deps = cliDeps(
    h.env({ VERIFY_REPORT: join(dirname(h.dbPath), 'verify-report.json'), ...env }),
  );
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
    'links: 7 stored links recomputed, 0 computed for events chained after the fact',
    'webhook deliveries: 6 (signatures 6 valid, 0 invalid, 0 no-matching-secret; ids, types, streams, svix ids checked)',
    'details snapshots: 1 linked, 0 unlinked',
    'erased: 0 events erased, covered by 0 erasure records (chain and body hashes intact, signatures no longer checkable)',
    'checkpoint: none given (only a checkpoint kept off the machine proves completeness)',
    'store: global positions and streams table checked',
    'verify: OK',
  ]);
  const report = JSON.parse(
    readFileSync(join(dirname(h.dbPath), 'verify-report.json'), 'utf8'),
  ) as Record<string, unknown>;
  t.match(report, { checkpoint: null, events: 7, failures: 0, ok: true, time: String });
  const json = await verify(h, {}, '--json');
  t.match(JSON.parse(json.out) as StoreVerificationSummary, {
    events: 7,
    streams: 3,
    webhooks: { deliveries: 6, signatures: { valid: 6, invalid: 0, 'no-matching-secret': 0 } },
    snapshots: { linked: 1, unlinked: 0 },
    problems: 0,
  });
});

void t.test('verify --no-report leaves no report behind', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await populate(h);
  const { code } = await verify(h, {}, '--no-report');
  t.equal(code, 0);
  t.notOk(existsSync(join(dirname(h.dbPath), 'verify-report.json')));
});

void t.test('an empty store fails verify unless --allow-empty', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const empty = await verify(h);
  t.equal(empty.code, 1);
  t.match(empty.err, 'the event store is empty');
  const allowed = await verify(h, {}, '--allow-empty');
  t.equal(allowed.code, 0);
  t.match(allowed.out, 'checked 0 events in 0 streams');
});

void t.test('retired secrets re-verify stored deliveries', async (t) => {
  const retired = generateSecret();
  const live = generateSecret();
  const h = await startAuditHarness(t.testdir(), { ingressSecrets: [retired] });
  t.teardown(() => h.close());
  await h.deliver(fixtureBody('customer.created'));
  const without = await verify(h, { COMPILOT_WEBHOOK_SECRET: live });
  t.equal(without.code, 1, 'signed with a secret no longer configured: a failure');
  t.match(without.out, 'signature no-matching-secret');
  const withRetired = await verify(h, {
    COMPILOT_WEBHOOK_SECRET: live,
    COMPILOT_WEBHOOK_RETIRED_SECRETS: retired,
  });
  t.equal(withRetired.code, 0, 'the retired secret still proves the stored delivery');
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
  t.match(out, 'signatures 5 valid, 1 invalid, 0 no-matching-secret');
  t.match(out, `FAIL link: ${stream} revision 1 (position ${updated.position}`);
  t.match(out, 'the stored data no longer hashes to its recorded dataSha256');
  t.match(out, /verify: FAILED \(\d+ problems?\)\n$/);
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
  t.match(out, 'signatures 1 valid, 0 invalid, 1 no-matching-secret');

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
    /FAIL store: alert-alrt_Zp3Xk8Rm2Qa1: the streams table says revision 1 but the last event is revision 5/,
  );
  t.match(
    out,
    /FAIL causation: customer-.* caused by 00000000-0000-5000-8000-000000000000 at 00000000000000000001, which is not an earlier webhook event/,
  );
  t.match(out, 'details snapshots: 1 linked, 1 unlinked');
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
  t.match(help.output(), /every stream unbroken from revision 0 to its head/);
});
