/**
 * Erasure through the real processes: `serve` (encryption at rest, enrichment from the
 * simulator), svix-signed webhooks over HTTP, then `retention due`, `erase`, `audit`, `export`,
 * `verify` and `rebuild` as child processes, and the files' bytes searched at the end.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { send } from '../helpers/httpServer.js';
import { notBuilt } from '../helpers/serviceProcess.js';
import {
  addPerson,
  command,
  createLedger,
  deliverJourney,
  eventually,
  personalStrings,
  serve,
  TOKEN,
  type Ledger,
  type RunningLedger,
} from '../helpers/erasureJourney.js';

function holdsNone(t: Test, text: string, strings: readonly string[], where: string): void {
  const found = strings.filter((s) => text.includes(s));
  for (const s of found) {
    const at = text.indexOf(s);
    t.comment(`${where}: ${text.slice(Math.max(0, at - 300), at + 100)}`);
  }
  t.same(found, [], `${where} holds none of the customer's personal data`);
}

async function viewerSession(port: number): Promise<string> {
  const answer = await send(port, '/ui/sign-in', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(TOKEN)}`,
  });
  const cookie = answer.headers['set-cookie'];
  return (Array.isArray(cookie) ? cookie[0]! : String(cookie)).split(';')[0]!;
}

/** Every answer about the customer: query API, viewer pages and its export. */
async function everyAnswer(service: RunningLedger, customerId: string) {
  const paths = [
    `/customers/${customerId}`,
    `/customers/${customerId}/kyc-history`,
    `/customers/${customerId}/events?limit=100`,
    `/alerts?customerId=${customerId}`,
    '/events?limit=1000',
  ];
  const answers: string[] = [];
  for (const path of paths) {
    answers.push(`${path}: ${(await service.get(path)).body.toString('utf8')}`);
  }
  const cookie = await viewerSession(service.port);
  for (const path of [`/ui/customers/${customerId}`, `/ui/customers/${customerId}/export.ndjson`]) {
    const page = await send(service.port, path, { method: 'GET', headers: { cookie } });
    answers.push(`${path}: ${page.body.toString('utf8')}`);
  }
  return answers.join('\n');
}

function fileBytes(ledger: Ledger, names: readonly string[]): string {
  return names
    .map((name) => join(ledger.dir, name))
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

function backupKeys(ledger: Ledger) {
  const files = ['keys.db', 'keys.db-wal', 'keys.db-shm'].filter((name) =>
    existsSync(join(ledger.dir, name)),
  );
  const copies = files.map((name) => [name, readFileSync(join(ledger.dir, name))] as const);
  return {
    restore: () => {
      for (const name of ['keys.db-wal', 'keys.db-shm'])
        rmSync(join(ledger.dir, name), { force: true });
      for (const [name, bytes] of copies) writeFileSync(join(ledger.dir, name), bytes);
    },
  };
}

const STORE_FILES = ['events.db', 'events.db-wal', 'keys.db', 'keys.db-wal'];
const READ_MODEL_FILES = ['readmodel.db', 'readmodel.db-wal'];

void t.test(
  "erasure removes the customer's personal data from every answer and file, and rebuilds keep it gone",
  { skip: notBuilt },
  async (t) => {
    const ledger = await createLedger(t);
    const gone = addPerson(ledger);
    const kept = addPerson(ledger);
    const service = await serve(t, ledger);
    await deliverJourney(ledger, service.port, gone, {
      deletedAt: '2019-01-10T00:00:00.000Z',
      quarantined: true,
    });
    await deliverJourney(ledger, service.port, kept);
    // The simulator draws names and birthdates from small lists: a string the other customer
    // shares may rightly stay (in its own answers and in `export --all`).
    const others = new Set(personalStrings(kept));
    const strings = personalStrings(gone).filter((s) => !others.has(s));
    const wallet = gone.wallets[0]!.address;
    await eventually(async () => {
      const answer = await service.get(`/customers/${gone.id}`);
      const owners = await service.get(`/wallets/${wallet}/customer`);
      return (
        answer.status === 200 &&
        answer.json().familyName === gone.familyName &&
        answer.json().deleted === true &&
        owners.status === 200
      );
    }, 'enrichment recorded the details and the projections applied them');
    const before = await everyAnswer(service, gone.id);
    t.ok(
      strings.every((s) => before.includes(s)),
      'before erasure the answers show the name, email, birthdate, external id and wallet',
    );

    const due = await command(ledger, ['retention', 'due', '--json']);
    t.equal(due.code, 0);
    const listed = JSON.parse(due.stdout) as {
      customers: { customerId: string; source: string }[];
    };
    t.same(
      listed.customers.map((c) => [c.customerId, c.source]),
      [[gone.id, 'customer.deleted']],
      'due: only the customer deleted more than RETENTION_DAYS ago',
    );

    const early = await command(ledger, ['erase', kept.id, '--reason', 'asked']);
    t.equal(early.code, 1, 'a customer still in a relationship is not erased');
    t.match(early.stderr, /no end of relationship recorded/);

    const erased = await command(ledger, [
      'erase',
      gone.id,
      '--reason',
      'retention period ended',
      '--by',
      'dpo',
    ]);
    t.equal(erased.code, 0, erased.stderr);
    t.match(erased.stdout, /erased customer .*: the data of \d+ events is unreadable/);

    await eventually(async () => {
      const answer = await service.get(`/customers/${gone.id}`);
      const owners = await service.get(`/wallets/${wallet}/customer`);
      return (
        answer.json<{ evidence: { erased?: unknown } }>().evidence.erased !== undefined &&
        owners.status === 404
      );
    }, 'the projections applied the erasure');
    const after = await everyAnswer(service, gone.id);
    holdsNone(t, after, strings, 'the query API, the viewer and its export');
    t.match(after, /ledger\.customer-erased/, 'the answers show the erasure record instead');
    t.match(
      after,
      /signatures no longer checkable/,
      'the viewer does not call erased deliveries valid',
    );
    t.notMatch(after, /all signatures valid/);
    const keptAnswer = await service.get(`/customers/${kept.id}`);
    t.equal(keptAnswer.json().familyName, kept.familyName, 'the other customer is untouched');

    const audit = await command(ledger, ['audit', gone.id, '--verify']);
    t.equal(audit.code, 0, audit.stderr);
    holdsNone(t, audit.stdout, strings, 'audit');
    t.match(audit.stdout, /customer erased: data of \d+ events made unreadable .* by dpo/);
    t.match(audit.stdout, /State: erased at/);
    const exported = await command(ledger, ['export', '--all']);
    t.equal(exported.code, 0);
    holdsNone(t, exported.stdout, strings, 'export --all');
    t.match(exported.stdout, /"erased":true/);
    const quarantine = await command(ledger, ['events', '--stream', 'quarantine']);
    t.match(quarantine.stdout, /"erased":true/, 'the quarantined delivery naming it is erased too');

    const verify = await command(ledger, ['verify', '--no-report']);
    t.equal(verify.code, 0, verify.stdout);
    t.match(verify.stdout, /erased: \d+ events erased, covered by 1 erasure record/);

    t.equal(await service.stop(), 0);
    holdsNone(t, fileBytes(ledger, READ_MODEL_FILES), strings, 'the read model file');
    holdsNone(t, fileBytes(ledger, STORE_FILES), strings, 'the event store and key store files');

    const rebuild = await command(ledger, ['rebuild']);
    t.equal(rebuild.code, 0, rebuild.stderr);
    holdsNone(t, fileBytes(ledger, READ_MODEL_FILES), strings, 'the read model after a rebuild');
    const again = await serve(t, ledger);
    const stub = (await again.get(`/customers/${gone.id}`)).json();
    t.match(stub, { customerId: gone.id, deleted: true, familyName: null, emails: [] });
    holdsNone(t, await everyAnswer(again, gone.id), strings, 'answers after the rebuild');
    t.equal(await again.stop(), 0);
  },
);

void t.test(
  'an early erasure needs an override, which the record keeps; verify fails on a key destroyed without a record',
  { skip: notBuilt },
  async (t) => {
    const ledger = await createLedger(t);
    const customer = addPerson(ledger);
    const other = addPerson(ledger);
    const service = await serve(t, ledger);
    await deliverJourney(ledger, service.port, customer, { deletedAt: '2026-11-01T00:00:00.000Z' });
    await deliverJourney(ledger, service.port, other);
    t.equal(await service.stop(), 0);

    const refused = await command(ledger, ['erase', customer.id, '--reason', 'asked']);
    t.equal(refused.code, 1);
    t.match(refused.stderr, /not erasable before 2031-11-01T00:00:00\.000Z/);
    const offboarded = await command(ledger, [
      'offboard',
      customer.id,
      '--at',
      '2026-11-15',
      '--reason',
      'contract ended',
    ]);
    t.equal(offboarded.code, 0, offboarded.stderr);
    t.match(offboarded.stdout, /erasable from 2031-11-15T23:59:59\.999Z/);
    const stillRefused = await command(ledger, ['erase', customer.id, '--reason', 'asked']);
    t.match(stillRefused.stderr, /not erasable before 2031-11-15T23:59:59\.999Z \(.*offboarded\)/);

    // A backup of the key store taken before the erasure (no process has it open now).
    const backup = backupKeys(ledger);
    const overridden = await command(ledger, [
      'erase',
      customer.id,
      '--reason',
      'data subject request',
      '--override',
      'Art. 17(1)(a) GDPR, AML hold lifted by the MLRO on 2026-12-01',
      '--json',
    ]);
    t.equal(overridden.code, 0, overridden.stderr);
    t.match(JSON.parse(overridden.stdout), {
      outcome: 'erased',
      override: 'Art. 17(1)(a) GDPR, AML hold lifted by the MLRO on 2026-12-01',
    });
    const audit = await command(ledger, ['audit', customer.id]);
    t.match(audit.stdout, /erased before the retention period ended, legal basis: Art\. 17/);

    const ok = await command(ledger, ['verify', '--no-report']);
    t.equal(ok.code, 0, ok.stdout);

    // Restoring that backup brings the key back: verify names every event readable again, and
    // erasing once more (the record is already there) destroys the restored key.
    backup.restore();
    const restored = await command(ledger, ['verify', '--no-report']);
    t.equal(restored.code, 1);
    t.match(
      restored.stdout,
      /still readable: its key was not destroyed, or was restored from a backup/,
    );
    const again = await command(ledger, ['erase', customer.id, '--reason', 'restored backup']);
    t.equal(again.code, 0, again.stderr);
    t.match(again.stdout, /was already erased/);
    const clean = await command(ledger, ['verify', '--no-report']);
    t.equal(clean.code, 0, clean.stdout);

    // A key destroyed outside the protocol: the events are unreadable and nothing says why.
    const { openKeyStore } = await import('../../src/privacy/keyStore.js');
    const { parseMasterKey } = await import('../../src/privacy/masterKey.js');
    const keys = openKeyStore({
      path: join(ledger.dir, 'keys.db'),
      master: parseMasterKey(ledger.env().LEDGER_ENCRYPTION_KEY!),
      readOnly: false,
    });
    keys.beginErasure(other.id);
    keys.destroy(other.id);
    keys.close();
    const failed = await command(ledger, ['verify', '--no-report']);
    t.equal(failed.code, 1);
    t.match(
      failed.stdout,
      /FAIL encryption: customer-.*data key is destroyed and no erasure record covers it/,
    );
  },
);
