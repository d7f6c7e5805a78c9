/**
 * `offboard` in process, against a real encrypted SQLite store: recording the end of a
 * relationship, withdrawing it when the customer comes back, and the usage errors.
 */
import t from 'tap';
import { run } from '../../src/cli/offboard.js';
import { ledgerWithCustomer, runFor } from '../helpers/retentionCli.js';

const offboard = (env: Record<string, string>, ...args: string[]) => runFor(run, env, args);

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
  const future = await offboard(env, '--at', '2099-01-01', '--reason', 'contract ends');
  t.equal(future.code, 2);
  t.match(
    future.stderr,
    /--at 2099-01-01T23:59:59\.999Z is in the future: record the offboarding once/,
  );
  const nothing = await offboard(env, '--withdraw', '--reason', 'x');
  t.equal(nothing.code, 1, 'no offboarding to withdraw');
});

void t.test("today's date, meaning the end of today, is not the future", async (t) => {
  const env = await ledgerWithCustomer(t);
  const today = new Date().toISOString().slice(0, 10);
  const endsToday = await offboard(env, '--at', today, '--reason', 'closed today');
  t.equal(endsToday.code, 0, endsToday.stderr);
  t.match(endsToday.stdout, `${today}T23:59:59.999Z`);
});
