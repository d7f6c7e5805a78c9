/**
 * After a journey through the real service (svix-signed webhooks of every type, enrichment
 * against the ComPilot simulator, quarantine), the event store's files hold none of the
 * customer's personal data, while the CLI's queries still answer with it. The same holds for
 * the read model's files (database and WAL), written by the service's live runner and again by
 * a `rebuild`, while every read-model query answers as a plaintext read model of the same log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { projections } from '../../projections/index.js';
import { loadConfig, loadLedgerConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { findCustomerIdsByEmail } from '../../src/readmodel/customerSearch.js';
import {
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  listAlerts,
  listCustomers,
} from '../../src/readmodel/queries.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import { startService } from '../../src/service.js';
import { populateLedger, type PopulatedLedger } from '../helpers/ledgerHarness.js';
import { silent } from '../helpers/projectionHarness.js';
import { openEncryptedTestStore, sealThrough } from '../helpers/sealedReadModel.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';

function bytesOf(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)),
  );
}

/** Every read-model query about the journey's customers, alert, email and wallets. */
function answers(db: ReadModelDb, ledger: PopulatedLedger): unknown {
  const [, email, ...wallets] = ledger.personalData;
  return {
    active: getCustomer(db, ledger.activeCustomer),
    deleted: getCustomer(db, ledger.deletedCustomer),
    kyc: getKycHistory(db, ledger.activeCustomer),
    customers: listCustomers(db, { limit: 100 }),
    alerts: listAlerts(db, { limit: 100, includeDeleted: true }),
    alert: getAlert(db, ledger.alertId),
    owners: wallets.map((wallet) => findWalletOwners(db, wallet)),
    byEmail: [email!, email!.toUpperCase()].map((e) => findCustomerIdsByEmail(db, e)),
  };
}

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

void t.test(
  'the read-model files hold no name, email or wallet, live or rebuilt, and every query answers as from plaintext',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const ledgerDir = join(dir, 'ledger');
    const ledger = await populateLedger(t, ledgerDir);
    const readModelPath = join(ledgerDir, 'readmodel.db');

    // The reference: a plaintext read model of the same (decrypted) log, no sealing.
    const store = openEncryptedTestStore(ledgerDir, true);
    const reference = openReadModel(join(dir, 'reference.db'));
    let expected: unknown;
    try {
      await rebuildProjections(projections, { store, db: reference, logger: silent });
      expected = answers(reference, ledger);
      reference.pragma('wal_checkpoint(TRUNCATE)');
      const plain = bytesOf(join(dir, 'reference.db'));
      for (const value of ledger.personalData) {
        t.ok(plain.includes(value), `a plaintext read model would hold ${value}`);
      }
    } finally {
      reference.close();
    }
    t.ok(JSON.stringify(expected).includes(ledger.personalData[1]!), 'the answers carry the email');

    // The live runner of the real service catches up on the whole log.
    const service = await startService(
      loadConfig(ledger.env, { requireWebhookSecret: true }),
      createLogger('silent'),
      { ledger: loadLedgerConfig(ledger.env) },
    );
    try {
      const head = await service.store.headPosition();
      await service.projections.waitFor((status) =>
        status.projections.every((p) => p.servingVersion === p.version && p.checkpoint === head),
      );
      t.same(
        answers(service.readModelDb, ledger),
        expected,
        'the live read model answers the same',
      );
    } finally {
      await service.close();
    }
    const check = (when: string) => {
      const bytes = bytesOf(readModelPath);
      t.ok(bytes.includes(ledger.activeCustomer), `${when}: the search finds the customer id`);
      for (const value of ledger.personalData) {
        t.notOk(bytes.includes(value), `${when}: ${value} is in no read-model file`);
      }
      const db = sealThrough(openReadModel(readModelPath), store);
      try {
        t.same(answers(db, ledger), expected, `${when}: every query answers as before`);
      } finally {
        db.close();
      }
    };
    try {
      check('live');
      const rebuild = spawnCli(['rebuild'], ledger.env, dir);
      t.equal(await rebuild.exited, 0, rebuild.stderr());
      check('rebuilt');
    } finally {
      await store.close();
    }
  },
);
