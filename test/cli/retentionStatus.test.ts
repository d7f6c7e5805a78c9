/**
 * `retention status <customerId>` in process, against a real encrypted SQLite store: it reads
 * the customer's stream, so an offboarding or a hold just recorded shows at once.
 */
import t from 'tap';
import { run as hold } from '../../src/cli/hold.js';
import { run as offboard } from '../../src/cli/offboard.js';
import { run as retention } from '../../src/cli/retentionDue.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { CUSTOMER_ID } from '../helpers/projectionEvents.js';
import { ledgerWithCustomer, runFor } from '../helpers/retentionCli.js';

async function status(env: Record<string, string>, ...args: string[]) {
  const deps = cliDeps(env);
  const code = await retention(['status', ...args], deps);
  return { code, stdout: deps.output(), stderr: deps.errors() };
}

void t.test('a customer with no end of relationship is reported active', async (t) => {
  const env = await ledgerWithCustomer(t);
  const answer = await status(env, CUSTOMER_ID);
  t.equal(answer.code, 0, answer.stderr);
  t.match(answer.stdout, new RegExp(`^customer ${CUSTOMER_ID} at .*: active: no end`));
  t.match(answer.stdout, /end of relationship {2}-\n/);
});

void t.test('an offboarding starts the period, and a hold keeps the customer', async (t) => {
  const env = await ledgerWithCustomer(t);
  const off = await runFor(offboard, env, ['--at', '2020-01-15', '--reason', 'contract ended']);
  t.equal(off.code, 0, off.stderr);
  const due = await status(env, CUSTOMER_ID);
  t.match(due.stdout, /: due: the retention period has passed/);
  t.match(due.stdout, /end of relationship {2}2020-01-15T23:59:59\.999Z \(offboarded\)/);
  t.match(due.stdout, /erasable from {8}2025-01-14T23:59:59\.999Z \(RETENTION_DAYS=1826\)/);

  const held = await runFor(hold, env, ['--reason', 'FIU request 2026/4']);
  t.equal(held.code, 0, held.stderr);
  const json = await status(env, CUSTOMER_ID, '--json');
  t.equal(json.code, 0, json.stderr);
  t.match(JSON.parse(json.stdout), {
    customerId: CUSTOMER_ID,
    stage: 'held',
    retentionDays: 1826,
    hold: { until: null, inEffect: true },
    relationshipEnd: { source: 'offboarded' },
  });
});

void t.test('an unknown customer and a missing id are refused', async (t) => {
  const env = await ledgerWithCustomer(t);
  const unknown = await status(env, '00000000-0000-4000-8000-000000000000');
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no events are stored for customer 00000000-/);
  const missing = await status(env);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /retention status takes one customer id/);
  const other = await retention(['later'], cliDeps(env));
  t.equal(other, 2, 'an unknown subcommand is a usage error');
});
