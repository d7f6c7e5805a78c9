/**
 * The tamper suite (issue 10): a ledger populated by the real service, a checkpoint from the
 * real `checkpoint` command, then each mutation on a fresh copy of the SQLite file with the
 * immutability triggers dropped (as anyone with file access can), and the real `verify
 * --checkpoint` as a child process must exit 1 and name the problem.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { populateLedger } from '../helpers/ledgerHarness.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { tamperedCopy } from '../helpers/tamperTools.js';
import { TAMPERS } from '../helpers/tampers.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawnCli(args, env, cwd);
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

void t.test(
  'verify --checkpoint catches every tamper of a populated store',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const ledger = await populateLedger(t, join(dir, 'ledger'));
    const checkpoint = await cli(['checkpoint'], ledger.env, dir);
    t.equal(checkpoint.code, 0, checkpoint.err);
    const publicKey = await cli(['checkpoint', '--public-key'], ledger.env, dir);
    t.match(publicKey.out, /^-----BEGIN PUBLIC KEY-----/);
    const keyFile = join(dir, 'public.pem');
    writeFileSync(keyFile, publicKey.out);
    // The auditor's view: no signing key, only the public key and the exported checkpoints.
    const auditorEnv = (path: string) => ({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${path}`,
      // The copies are checked with the ledger's key store, as an auditor is handed both files.
      KEY_STORE_URL: `sqlite:${join(dirname(ledger.dbPath), 'keys.db')}`,
      COMPILOT_WEBHOOK_SECRET: ledger.env.COMPILOT_WEBHOOK_SECRET!,
      VERIFY_REPORT: join(dir, 'verify-report.json'),
    });
    const verify = (path: string) =>
      cli(
        ['verify', '--checkpoint', ledger.sinkPath, '--public-key', keyFile],
        auditorEnv(path),
        dir,
      );

    const untouched = tamperedCopy(ledger, join(dir, 'untouched'), () => undefined);
    const intact = await verify(untouched);
    t.equal(intact.code, 0, `the untouched store verifies:\n${intact.out}${intact.err}`);
    t.match(intact.out, /verify: OK/);

    t.ok(TAMPERS.length >= 20, `${TAMPERS.length} distinct mutations`);
    for (const tamper of TAMPERS) {
      const caseDir = join(dir, `case-${tamper.name.replace(/[^a-z0-9]+/gi, '-')}`);
      const path = tamperedCopy(ledger, caseDir, (db) => tamper.apply(db, ledger));
      const result = await verify(path);
      t.equal(result.code, 1, `${tamper.name}: verify exits 1`);
      t.match(result.out, tamper.expect, `${tamper.name}: verify names the problem`);
      if (result.code !== 1) t.comment(result.out + result.err);
    }
  },
);
