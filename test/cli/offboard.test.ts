/**
 * `offboard` in process, against a real encrypted SQLite store: recording the end of a
 * relationship, withdrawing it when the customer comes back, and the usage errors.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { run } from '../../src/cli/offboard.js';
import { loadConfig } from '../../src/config.js';
import { customerStream } from '../../src/events/streams.js';
import { createLogger } from '../../src/lib/logger.js';
import { generateMasterKey } from '../../src/privacy/masterKey.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { CUSTOMER_ID, fixture, webhookEvent } from '../helpers/projectionEvents.js';

async function ledgerWithCustomer(t: Test): Promise<Record<string, string>> {
  const dir = t.testdir({});
  const env = {
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    KEY_STORE_URL: `sqlite:${join(dir, 'keys.db')}`,
    LEDGER_ENCRYPTION_KEY: generateMasterKey(),
    RETENTION_DAYS: '1826',
  };
  const config = loadConfig(env, {
    settings: ['EVENT_STORE_URL', 'KEY_STORE_URL', 'LEDGER_ENCRYPTION_KEY'],
  });
  const store = openEventStore(config.eventStore, createLogger('silent'));
  await store.appendToStream(customerStream(CUSTOMER_ID), [
    webhookEvent(fixture('customer.created'), 'msg_1'),
  ]);
  await store.close();
  return env;
}

async function offboard(env: Record<string, string>, ...args: string[]) {
  const deps = cliDeps(env);
  const code = await run([CUSTOMER_ID, ...args], deps);
  return { code, stdout: deps.output(), stderr: deps.errors() };
}

void t.test(
  'an offboarding ends the relationship; withdrawing it makes the customer live again',
  async (t) => {
    const env = await ledgerWithCustomer(t);
    const recorded = await offboard(env, '--at', '2026-01-01T00:00:00Z', '--reason', 'closed');
    t.equal(recorded.code, 0, recorded.stderr);
    t.match(recorded.stdout, /recorded: customer .* offboarded at 2026-01-01T00:00:00\.000Z/);
    t.match(recorded.stdout, /erasable from 2031-01-01T00:00:00\.000Z/);

    const withdrawn = await offboard(env, '--withdraw', '--reason', 'customer came back');
    t.equal(withdrawn.code, 0, withdrawn.stderr);
    t.match(
      withdrawn.stdout,
      /withdrawn: the offboarding of customer .* at 2026-01-01T00:00:00\.000Z/,
    );
    t.match(withdrawn.stdout, /end of relationship: none recorded/);

    const again = await offboard(env, '--withdraw', '--reason', 'customer came back');
    t.equal(again.code, 1, 'nothing left to withdraw');
    t.match(again.stderr, /no offboarding of customer .* is in effect/);

    const reOffboarded = await offboard(env, '--at', '2026-01-01T00:00:00Z', '--reason', 'closed');
    t.match(
      reOffboarded.stdout,
      /^recorded:/,
      'the same offboarding given after a withdrawal is a new record, not a repeat',
    );
    t.match(reOffboarded.stdout, /erasable from 2031-01-01T00:00:00\.000Z/);
    const repeated = await offboard(env, '--at', '2026-01-01T00:00:00Z', '--reason', 'closed');
    t.match(repeated.stdout, /^already recorded:/, 'given twice in a row, it is one record');
  },
);

void t.test('usage errors name the problem and record nothing', async (t) => {
  const env = await ledgerWithCustomer(t);
  const both = await offboard(env, '--at', '2026-01-01', '--withdraw', '--reason', 'x');
  t.equal(both.code, 2);
  t.match(both.stderr, /either --at T or --withdraw, not both/);
  const noReason = await offboard(env, '--withdraw');
  t.equal(noReason.code, 2);
  t.match(noReason.stderr, /--reason must say why the offboarding is withdrawn/);
  const neither = await offboard(env, '--reason', 'x');
  t.equal(neither.code, 2);
  t.match(neither.stderr, /--at must be/);
  const nothing = await offboard(env, '--withdraw', '--reason', 'x');
  t.equal(nothing.code, 1, 'no offboarding to withdraw');
});
