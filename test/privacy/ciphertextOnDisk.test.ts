/**
 * After a journey through the real service (svix-signed webhooks of every type, enrichment
 * against the ComPilot simulator, quarantine), the event store's files hold none of the
 * customer's personal data, while the CLI's queries still answer with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { populateLedger } from '../helpers/ledgerHarness.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';

void t.test(
  'the store files hold no name, email or wallet of the customer, the queries still do',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const ledger = await populateLedger(t, join(dir, 'ledger'));
    t.ok(ledger.personalData.length >= 3);
    const files = [ledger.dbPath, `${ledger.dbPath}-wal`].filter((file) => existsSync(file));
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    t.ok(bytes.includes(ledger.activeCustomer), 'the search finds what is there (stream names)');
    for (const value of ledger.personalData) {
      t.notOk(bytes.includes(value), `${value} is in no event store file`);
    }

    const events = spawnCli(['events', '--all'], ledger.env, dir);
    t.equal(await events.exited, 0, events.stderr());
    for (const value of ledger.personalData) {
      t.ok(events.stdout().includes(value), `events --all still shows ${value}`);
    }
    const lines = events
      .stdout()
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { stream: string; encryptionState?: string; storedData?: string },
      );
    const customer = lines.filter((line) => line.stream === `customer-${ledger.activeCustomer}`);
    t.ok(customer.length > 0);
    for (const line of customer) {
      t.equal(line.encryptionState, 'decrypted');
      t.equal(
        Buffer.from(line.storedData ?? '', 'base64')
          .subarray(0, 3)
          .toString(),
        'CLE',
        'the envelope the link covers',
      );
    }
    const audit = spawnCli(['audit', ledger.activeCustomer], ledger.env, dir);
    t.equal(await audit.exited, 0, audit.stderr());
    t.match(audit.stdout(), 'compilot.customer.details');
    const verify = spawnCli(['verify', '--no-report'], ledger.env, dir);
    t.equal(await verify.exited, 0, verify.stdout() + verify.stderr());
  },
);
