/**
 * Encrypting a plaintext store made by the real service (LEDGER_ENCRYPTION=off), through the
 * real `encrypt-store`, `verify` and `serve` commands as child processes on real SQLite files:
 * the recorded migration leaves no personal data in the store's files, keeps every answer, and
 * verify accepts exactly that transition (with the checkpoints before and after it), and nothing
 * beyond it. (encryptStore in-process on a partly encrypted store with events from before the
 * ledger: storeEncryptionMigration.partlyEncrypted.test.ts.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import t from 'tap';
import { populateLedger, type PopulatedLedger } from '../helpers/ledgerHarness.js';
import { relink } from '../helpers/migratedStoreTampering.js';
import { tamperedCopy } from '../helpers/tamperTools.js';
import { listeningPort, notBuilt, spawnCli } from '../helpers/serviceProcess.js';

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawnCli(args, env, cwd);
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

/** The ledger's settings with encryption on (the key comes from spawnCli's defaults). */
function encryptedEnv(ledger: PopulatedLedger, dbPath = ledger.dbPath): Record<string, string> {
  const env: Record<string, string> = { ...ledger.env, EVENT_STORE_URL: `sqlite:${dbPath}` };
  delete env.LEDGER_ENCRYPTION;
  return env;
}

function storeBytes(dbPath: string): Buffer {
  const files = [dbPath, `${dbPath}-wal`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

function checkpointLine(out: string, which: 'before' | 'after'): string {
  const line = out.split('\n').find((l) => l.startsWith(`${which} `));
  if (line === undefined) throw new Error(`no ${which} checkpoint in: ${out}`);
  return line.slice(which.length + 1);
}

void t.test(
  'a plaintext store from the real service is encrypted by a recorded migration that verify accepts, and nothing beyond it',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const ledger = await populateLedger(t, join(dir, 'ledger'), { LEDGER_ENCRYPTION: 'off' });
    const plain = { ...ledger.env };
    const env = encryptedEnv(ledger);
    for (const value of ledger.personalData) {
      t.ok(storeBytes(ledger.dbPath).includes(value), `the plaintext store holds ${value}`);
    }
    const auditBefore = await cli(['audit', ledger.activeCustomer], plain, dir);
    t.equal(auditBefore.code, 0, auditBefore.err);

    await t.test('refused while the service has the store open', async (t) => {
      const service = spawnCli(['serve'], { ...plain, LOG_LEVEL: 'info' }, dir);
      await listeningPort(service);
      const refused = await cli(['encrypt-store'], env, dir);
      service.child.kill('SIGTERM');
      t.equal(await service.exited, 0, service.stderr());
      t.equal(refused.code, 1);
      t.match(refused.err, /in use by another process \(stop the service first\)/);
      t.ok(storeBytes(ledger.dbPath).includes(ledger.personalData[0]!), 'nothing was encrypted');
    });

    const run = await cli(['encrypt-store'], env, dir);
    t.equal(run.code, 0, run.err);
    const summary = JSON.parse(run.out.split('\n')[0]!) as Record<string, unknown>;
    t.match(summary, { encrypted: 'now', reEncrypted: Number, alreadyEncrypted: 0 });
    t.ok((summary.reEncrypted as number) > 5, 'every customer, alert and quarantine event');
    const beforeFile = join(dir, 'before.ndjson');
    writeFileSync(beforeFile, `${checkpointLine(run.out, 'before')}\n`);
    const sinkLines = readFileSync(ledger.sinkPath, 'utf8').trim().split('\n');
    t.equal(
      sinkLines.at(-1),
      checkpointLine(run.out, 'after'),
      'the after checkpoint is in the sink',
    );
    t.ok(sinkLines.includes(checkpointLine(run.out, 'before')), 'so is the before checkpoint');

    const bytes = storeBytes(ledger.dbPath);
    t.ok(bytes.includes(ledger.activeCustomer), 'the search finds what is there (stream names)');
    for (const value of ledger.personalData) {
      t.notOk(bytes.includes(value), `${value} is in no event store file any more`);
    }
    const auditAfter = await cli(['audit', ledger.activeCustomer], env, dir);
    t.equal(auditAfter.code, 0, auditAfter.err);
    t.equal(auditAfter.out, auditBefore.out, 'the audit timeline answers as before');

    for (const args of [
      ['verify', '--no-report'],
      ['verify', '--no-report', '--checkpoint', beforeFile],
      ['verify', '--no-report', '--checkpoint', ledger.sinkPath],
      // The service's own shutdown checkpoint, signed over the plaintext store.
      [
        'verify',
        '--no-report',
        '--checkpoint',
        ledger.sinkPath,
        '--at',
        JSON.parse(sinkLines[0]!).position as string,
      ],
    ]) {
      const verify = await cli(args, env, dir);
      t.equal(verify.code, 0, `${args.join(' ')}: ${verify.out}${verify.err}`);
    }

    const again = await cli(['encrypt-store'], env, dir);
    t.equal(again.code, 0, again.err);
    t.match(JSON.parse(again.out.split('\n')[0]!), { encrypted: 'already' });
    t.equal(
      readFileSync(ledger.sinkPath, 'utf8').trim().split('\n').length,
      sinkLines.length,
      'rerunning signs nothing new',
    );

    const activeStream = `customer-${ledger.activeCustomer}`;
    const tampers: { name: string; mutate: (db: Database.Database) => void; expect: RegExp }[] = [
      {
        name: 'an extra event rewritten after the migration, links recomputed',
        mutate: (db) => {
          const row = db
            .prepare('SELECT position, metadata FROM events WHERE stream = ? AND revision = 1')
            .get(activeStream) as { position: number; metadata: string };
          const metadata = { ...(JSON.parse(row.metadata) as object), note: 'edited' };
          db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(
            JSON.stringify(metadata),
            row.position,
          );
          relink(db, activeStream);
        },
        expect: new RegExp(`FAIL migration: ${activeStream}: the pre-migration chain recomputed`),
      },
      {
        name: 'a migration record with a wrong old head',
        mutate: (db) => {
          const row = db
            .prepare(
              "SELECT position, data FROM events WHERE type = 'ledger.encrypted-after-the-fact'",
            )
            .get() as { position: number; data: Buffer };
          const record = JSON.parse(row.data.toString('utf8')) as {
            streams: { stream: string; oldHeadLink: string }[];
          };
          const entry = record.streams.find((s) => s.stream === activeStream)!;
          entry.oldHeadLink = 'f'.repeat(64);
          db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
            Buffer.from(JSON.stringify(record)),
            row.position,
          );
          relink(db, 'ledger');
        },
        expect: new RegExp(
          `FAIL migration: ${activeStream}: .*names old head revision \\d+ with link f{64}`,
        ),
      },
      {
        name: 'a record listing an event the migration did not change',
        mutate: (db) => {
          const row = db
            .prepare(
              "SELECT position, data FROM events WHERE type = 'ledger.encrypted-after-the-fact'",
            )
            .get() as { position: number; data: Buffer };
          const record = JSON.parse(row.data.toString('utf8')) as {
            reEncrypted: number;
            streams: {
              stream: string;
              headRevision: number;
              reEncrypted: number;
              firstChangedRevision: number;
              revisions: [number, number][];
            }[];
          };
          // The quarantine stream's plaintext entry (it names no customer) listed as well.
          const entry = record.streams.find((s) => s.stream === 'quarantine')!;
          const added = entry.headRevision + 1 - entry.reEncrypted;
          entry.revisions = [[0, entry.headRevision]];
          entry.firstChangedRevision = 0;
          entry.reEncrypted += added;
          record.reEncrypted += added;
          db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
            Buffer.from(JSON.stringify(record)),
            row.position,
          );
          relink(db, 'ledger');
        },
        expect:
          /FAIL migration: quarantine revision \d+ \(position \d+, event [-0-9a-f]+\): quarantine revision \d+ is listed as re-encrypted by the migration but is not encrypted/,
      },
      {
        name: 'an event encrypted but not listed in the record',
        mutate: (db) => {
          // The schema-invalid quarantine entry names no customer: the migration left it plain.
          const row = db
            .prepare(
              "SELECT position, metadata FROM events WHERE stream = 'quarantine' AND metadata NOT LIKE '%\"encryption\"%'",
            )
            .get() as { position: number; metadata: string };
          const other = db
            .prepare(`SELECT metadata FROM events WHERE stream = ? AND revision = 0`)
            .pluck()
            .get(activeStream) as string;
          const encryption = (JSON.parse(other) as { encryption: object }).encryption;
          db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(
            JSON.stringify({ ...(JSON.parse(row.metadata) as object), encryption }),
            row.position,
          );
          relink(db, 'quarantine');
        },
        expect:
          /FAIL migration: quarantine: the pre-migration chain recomputed[^\n]*\n(.|\n)*FAIL migration: \d+ events before the migration record are encrypted/,
      },
    ];
    for (const tamper of tampers) {
      await t.test(`verify fails for ${tamper.name}`, async (t) => {
        const copy = join(dir, 'tampered', tamper.name.replace(/\W+/g, '-'));
        const path = tamperedCopy(ledger, copy, tamper.mutate, { withKeyStore: true });
        const verify = await cli(['verify', '--no-report'], encryptedEnv(ledger, path), dir);
        t.equal(verify.code, 1, verify.out + verify.err);
        t.match(verify.out, tamper.expect);
      });
    }
  },
);
