import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { run } from '../../src/cli/checkpoint.js';
import { run as verify } from '../../src/cli/verify.js';
import { parseCheckpoint, signatureValid } from '../../src/ledger/checkpointFormat.js';
import { generateSigningKeyBase64, parsePublicKey } from '../../src/ledger/signingKey.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

async function storeWithOneEvent(path: string): Promise<void> {
  const store = openSqliteEventStore({ path });
  await store.appendToStream('note-1', [
    { id: crypto.randomUUID(), type: 'note', data: Buffer.from('{}'), metadata: {} },
  ]);
  await store.close();
}

void t.test(
  'checkpoint prints one signed JSON line and appends it to the sink and --out',
  async (t) => {
    const dir = t.testdir();
    const env = {
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      LEDGER_SIGNING_KEY: generateSigningKeyBase64(),
      CHECKPOINT_SINK: join(dir, 'sink.ndjson'),
      LOG_LEVEL: 'warn',
    };
    await storeWithOneEvent(join(dir, 'events.db'));
    const deps = cliDeps(env);
    t.equal(await run(['--out', join(dir, 'out', 'copy.ndjson')], deps), 0, deps.errors());
    const line = deps.output().trim();
    t.notMatch(line, '\n', 'one line');
    t.equal(readFileSync(env.CHECKPOINT_SINK, 'utf8'), `${line}\n`);
    t.equal(readFileSync(join(dir, 'out', 'copy.ndjson'), 'utf8'), `${line}\n`);
    t.equal(statSync(join(dir, 'out', 'copy.ndjson')).mode & 0o777, 0o600);

    const pem = cliDeps(env);
    t.equal(await run(['--public-key'], pem), 0);
    t.ok(
      signatureValid(parseCheckpoint(line), parsePublicKey(pem.output())),
      'the key verifies it',
    );

    const checked = cliDeps({ ...env, VERIFY_REPORT: join(dir, 'report.json') });
    t.equal(await verify(['--checkpoint', env.CHECKPOINT_SINK], checked), 0, checked.output());
    t.match(checked.output(), /checkpoint: position \d+, 1 streams/);
  },
);

void t.test(
  'checkpoint without a signing key or a store exits 1 and creates nothing',
  async (t) => {
    const dir = t.testdir();
    const noKey = cliDeps({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    });
    t.equal(await run([], noKey), 1);
    t.match(noKey.errors(), 'LEDGER_SIGNING_KEY is not set');
    const noStore = cliDeps({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(dir, 'missing', 'events.db')}`,
      LEDGER_SIGNING_KEY: generateSigningKeyBase64(),
    });
    t.equal(await run([], noStore), 1);
    t.match(noStore.errors(), `no event store at ${join(dir, 'missing', 'events.db')}`);
    t.same(readdirSync(dir), []);
    const badKey = cliDeps({ LEDGER_SIGNING_KEY: 'bm90IGEga2V5' });
    await t.rejects(
      run(['--public-key'], badKey),
      /LEDGER_SIGNING_KEY is not a PKCS#8 private key/,
    );
  },
);

void t.test('verify --checkpoint needs a public key and a readable checkpoint file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'events.db');
  await storeWithOneEvent(path);
  const env = {
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${path}`,
    VERIFY_REPORT: join(dir, 'r.json'),
  };
  const noFile = cliDeps(env);
  t.equal(await verify(['--checkpoint', join(dir, 'none.ndjson')], noFile), 1);
  t.match(noFile.errors(), `no checkpoint file at ${join(dir, 'none.ndjson')}`);

  const key = generateSigningKeyBase64();
  const sink = join(dir, 'sink.ndjson');
  t.equal(await run([], cliDeps({ ...env, LEDGER_SIGNING_KEY: key, CHECKPOINT_SINK: sink })), 0);
  const noKey = cliDeps(env);
  t.equal(await verify(['--checkpoint', sink], noKey), 1);
  t.match(noKey.errors(), 'a checkpoint needs the public key: pass --public-key FILE');
  t.notOk(existsSync(env.VERIFY_REPORT), 'nothing verified, no report');

  const other = cliDeps({ ...env, LEDGER_SIGNING_KEY: generateSigningKeyBase64() });
  t.equal(await verify(['--checkpoint', sink], other), 1);
  t.match(
    other.output(),
    /FAIL checkpoint: the checkpoint was signed by key [0-9a-f]{64}, not by the public key given/,
  );
});
