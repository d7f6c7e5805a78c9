/**
 * `hold` in process, against a real encrypted SQLite store: placing holds, extending them,
 * releasing them, and the usage errors.
 */
import t from 'tap';
import { run } from '../../src/cli/hold.js';
import { ledgerWithCustomer, runFor } from '../helpers/retentionCli.js';

const hold = (env: Record<string, string>, ...args: string[]) => runFor(run, env, args);

void t.test('a hold is placed, extended and released, and says what is in effect', async (t) => {
  const env = await ledgerWithCustomer(t);
  const placed = await hold(env, '--reason', 'FIU request 2026/4', '--until', '2099-06-30');
  t.equal(placed.code, 0, placed.stderr);
  t.match(placed.stdout, /^recorded: customer .*; held until 2099-06-30T23:59:59\.999Z/);
  const open = await hold(env, '--reason', 'investigation 77');
  t.match(open.stdout, /held until released/, 'a hold without an end extends it');

  const released = await hold(env, '--release', '--reason', 'FIU closed the case');
  t.equal(released.code, 0, released.stderr);
  t.match(released.stdout, /^released: .*; no retention hold is in effect/);
  const again = await hold(env, '--release', '--reason', 'again');
  t.equal(again.code, 1);
  t.match(again.stderr, /no retention hold of customer .* is in effect: nothing to release/);
});

void t.test('usage errors name the problem', async (t) => {
  const env = await ledgerWithCustomer(t);
  const both = await hold(env, '--release', '--until', '2031-01-01', '--reason', 'x');
  t.equal(both.code, 2);
  t.match(both.stderr, /--until goes with a hold, not with --release/);
  const badTime = await hold(env, '--until', 'next year', '--reason', 'x');
  t.equal(badTime.code, 2);
  t.match(badTime.stderr, /--until must be/);
  const past = await hold(env, '--until', '2020-01-01', '--reason', 'x');
  t.equal(past.code, 2);
  t.match(
    past.stderr,
    /--until 2020-01-01T23:59:59\.999Z is in the past: the hold would keep nothing/,
  );
  const noReason = await hold(env);
  t.equal(noReason.code, 2);
  t.match(noReason.stderr, /--reason must say why the data must be kept/);
});
