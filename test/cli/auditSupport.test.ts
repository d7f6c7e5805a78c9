import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseCustomerCommand } from '../../src/cli/auditSupport.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { cliDeps } from '../helpers/auditHarness.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

const READ_ONLY_COMMANDS = [
  ['verify'],
  ['audit', 'c-1'],
  ['events', '--all'],
  ['export', '--all'],
  ['quarantine', 'list'],
];

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawnCli(args, env, cwd);
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

void t.test(
  'read-only commands on a missing store exit 1 naming the path and create nothing',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const path = join(dir, 'typo', 'events.db');
    for (const args of READ_ONLY_COMMANDS) {
      const result = await cli(args, { ...ENCRYPTION_ENV, EVENT_STORE_URL: `sqlite:${path}` }, dir);
      t.equal(result.code, 1, `${args[0]} exits 1`);
      t.match(result.err, `no event store at ${path}`, `${args[0]} names the path`);
      t.same(readdirSync(dir), [], `${args[0]} created no file or directory`);
    }
  },
);

void t.test(
  'read-only commands leave an existing store byte for byte as it was',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const path = join(dir, 'events.db');
    const store = openSqliteEventStore({ path });
    await store.appendToStream('customer-c-1', [
      { id: crypto.randomUUID(), type: 'note', data: Buffer.from('{}'), metadata: {} },
    ]);
    await store.close();
    const before = readFileSync(path);
    const files = readdirSync(dir).sort();
    for (const args of READ_ONLY_COMMANDS) {
      await cli(
        [...args],
        {
          ...ENCRYPTION_ENV,
          EVENT_STORE_URL: `sqlite:${path}`,
          VERIFY_REPORT: join(dir, '..', 'read-only-report.json'),
        },
        dir,
      );
    }
    // A WAL reader may create the -shm index and an empty -wal (SQLite's reader protocol);
    // nothing is written into either log.
    const added = readdirSync(dir).filter((name) => !files.includes(name));
    t.ok(
      added.every((name) => /^events\.db-(shm|wal)$/.test(name)),
      'only WAL reader files',
    );
    if (added.includes('events.db-wal')) t.equal(statSync(`${path}-wal`).size, 0, 'empty -wal');
    t.ok(readFileSync(path).equals(before), 'the store file is unchanged');
  },
);

void t.test('a missing stream exits 1 naming the stream', { skip: notBuilt }, async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'events.db');
  const store = openSqliteEventStore({ path });
  await store.appendToStream('customer-c-1', [
    { id: crypto.randomUUID(), type: 'note', data: Buffer.from('{}'), metadata: {} },
  ]);
  await store.close();
  for (const command of ['events', 'export']) {
    const result = await cli(
      [command, '--stream', 'customer-c-2'],
      { ...ENCRYPTION_ENV, EVENT_STORE_URL: `sqlite:${path}` },
      dir,
    );
    t.equal(result.code, 1);
    t.match(result.err, 'no stream named "customer-c-2" in the event store');
  }
  const audit = await cli(
    ['audit', 'c-2'],
    { ...ENCRYPTION_ENV, EVENT_STORE_URL: `sqlite:${path}` },
    dir,
  );
  t.equal(audit.code, 1);
  t.match(audit.err, 'no stream customer-c-2');
});

void t.test('commands about one customer take exactly one customer id', async (t) => {
  const options = { reason: { type: 'string' }, help: { type: 'boolean' } } as const;
  const parse = (args: string[]) => {
    const deps = cliDeps({});
    return { parsed: parseCustomerCommand(deps, args, options, 'usage: x'), deps };
  };
  t.same(parse(['c-1', '--reason', 'r']).parsed, {
    values: { reason: 'r' },
    customerId: 'c-1',
  });
  for (const args of [[], ['c-1', 'c-2']]) {
    const { parsed, deps } = parse(args);
    t.equal(parsed, 2, `${args.length} ids is a usage error`);
    t.equal(deps.errors(), 'give exactly one customer id\n\nusage: x\n');
  }
});
