/**
 * `compilot-ledger encrypt-store` as a real child process: what it refuses, and a SIGKILL at any
 * moment of the migration leaving a store that verifies (old or new) and that a rerun finishes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config.js';
import { generateSigningKeyBase64 } from '../../src/ledger/signingKey.js';
import { createLogger } from '../../src/lib/logger.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';
import { populateLedger } from '../helpers/ledgerHarness.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawnCli(args, env, cwd);
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

/** A ledger written with encryption off, and the environment of a run with it on. */
async function plaintextLedger(t: Test) {
  const dir = t.testdir();
  const ledger = await populateLedger(t, join(dir, 'ledger'), { LEDGER_ENCRYPTION: 'off' });
  const env: Record<string, string> = { ...ledger.env };
  delete env.LEDGER_ENCRYPTION;
  return { dir, ledger, env };
}

void t.test(
  'encrypt-store refuses what it cannot do, naming why',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const signing = { LEDGER_SIGNING_KEY: generateSigningKeyBase64(), LOG_LEVEL: 'silent' };
    const kurrent = await cli(
      ['encrypt-store'],
      { ...signing, EVENT_STORE_URL: 'kurrentdb://127.0.0.1:2113?tls=false' },
      dir,
    );
    t.equal(kurrent.code, 1);
    t.match(
      kurrent.err,
      /KurrentDB cannot rewrite stored events.*copy its streams into a new store/,
    );

    const missing = await cli(
      ['encrypt-store'],
      { ...signing, EVENT_STORE_URL: `sqlite:${join(dir, 'none.db')}` },
      dir,
    );
    t.equal(missing.code, 1);
    t.match(missing.err, /no event store at .*none\.db/);

    // A store written encrypted from the start: every customer event already is.
    const storeUrl = `sqlite:${join(dir, 'events.db')}`;
    const config = loadConfig({ ...ENCRYPTION_ENV, EVENT_STORE_URL: storeUrl });
    const store = openEventStore(config.eventStore, createLogger('silent'));
    await store.appendToStream('customer-c-1', [
      {
        id: '00000000-0000-5000-8000-000000000001',
        type: 'customer.created',
        data: Buffer.from('{"eventType":"customer.created","payload":{"customerId":"c-1"}}'),
        metadata: {},
      },
    ]);
    await store.close();
    const noKey = await cli(
      ['encrypt-store'],
      { EVENT_STORE_URL: storeUrl, LOG_LEVEL: 'silent' },
      dir,
    );
    t.equal(noKey.code, 1);
    t.match(noKey.err, /LEDGER_SIGNING_KEY is not set/);
    const nothing = await cli(['encrypt-store'], { ...signing, EVENT_STORE_URL: storeUrl }, dir);
    t.equal(nothing.code, 1);
    t.match(nothing.err, /nothing to encrypt: every customer event is already encrypted \(1\)/);
  },
);

void t.test(
  'a SIGKILL at any moment of encrypt-store leaves a store that verifies, and a rerun finishes it',
  { skip: notBuilt },
  async (t) => {
    const { dir, ledger, env } = await plaintextLedger(t);
    let finished = false;
    // Node starts in ~100-300 ms; the kills land before, during and after the transaction.
    for (const delayMs of [150, 300, 450, 600, 800, 1100]) {
      const child = spawnCli(['encrypt-store'], env, dir);
      const timer = setTimeout(() => child.child.kill('SIGKILL'), delayMs);
      const code = await child.exited;
      clearTimeout(timer);
      const verify = await cli(['verify', '--no-report'], env, dir);
      t.equal(
        verify.code,
        0,
        `killed after ${delayMs} ms (${String(code)}): ${verify.out}${verify.err}`,
      );
      if (code === 0) {
        finished = true;
        break;
      }
    }
    const rerun = await cli(['encrypt-store'], env, dir);
    t.equal(rerun.code, 0, rerun.err);
    const before = rerun.out
      .split('\n')
      .find((line) => line.startsWith('before '))!
      .slice(7);
    const sink = readFileSync(ledger.sinkPath, 'utf8');
    t.ok(sink.includes(before), 'the before checkpoint is in the sink');
    const position = (JSON.parse(before) as { position: string }).position;
    for (const args of [
      ['verify', '--no-report', '--checkpoint', ledger.sinkPath],
      ['verify', '--no-report', '--checkpoint', ledger.sinkPath, '--at', position],
    ]) {
      const verify = await cli(args, env, dir);
      t.equal(verify.code, 0, `${args.join(' ')}: ${verify.out}`);
    }
    t.comment(finished ? 'one run finished before its kill' : 'every run was killed');
  },
);

void t.test(
  'a kill just after the key store file appeared leaves a store that verifies and encrypts',
  { skip: notBuilt },
  async (t) => {
    // The timed kills above land here only by chance (CI caught it once): SQLite creates the
    // key store file before its schema commits, so the file can exist holding nothing.
    const { dir, env } = await plaintextLedger(t);
    writeFileSync(join(dir, 'ledger', 'keys.db'), '', { mode: 0o600 });
    const verify = await cli(['verify', '--no-report'], env, dir);
    t.equal(verify.code, 0, verify.err);
    t.match(verify.out, /verify: OK/);
    const encrypt = await cli(['encrypt-store'], env, dir);
    t.equal(encrypt.code, 0, encrypt.err);
    const after = await cli(['verify', '--no-report'], env, dir);
    t.equal(after.code, 0, after.err);
  },
);
