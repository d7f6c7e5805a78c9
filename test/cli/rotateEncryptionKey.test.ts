import { join } from 'node:path';
import t from 'tap';
import { run } from '../../src/cli/rotateEncryptionKey.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { generateMasterKey, parseMasterKey } from '../../src/privacy/masterKey.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { cliDeps } from '../helpers/auditHarness.js';

const logger = createLogger('silent');
const body = Buffer.from(
  '{"eventType":"customer.created","payload":{"customerId":"c-1","email":"x@y.z"}}',
);

function open(env: Record<string, string>) {
  return openEventStore(
    loadConfig(env, { settings: ['EVENT_STORE_URL', 'LEDGER_ENCRYPTION_KEY'] }).eventStore,
    logger,
  );
}

void t.test(
  'rotation re-wraps the data keys; events, links and plaintext stay the same',
  async (t) => {
    const dir = t.testdir({});
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();
    const base = { EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}` };
    const before = open({ ...base, LEDGER_ENCRYPTION_KEY: oldKey });
    await before.appendToStream('customer-c-1', [
      {
        id: '00000000-0000-5000-8000-000000000001',
        type: 'customer.created',
        data: body,
        metadata: {},
      },
    ]);
    const [stored] = await before.readAll();
    await before.close();

    const deps = cliDeps({
      ...base,
      LEDGER_ENCRYPTION_KEY: newKey,
      LEDGER_ENCRYPTION_KEY_PREVIOUS: oldKey,
    });
    t.equal(await run([], deps), 0, deps.errors());
    t.match(JSON.parse(deps.output()), {
      rewrapped: 1,
      alreadyCurrent: 0,
      masterKeyId: parseMasterKey(newKey).id,
    });

    const after = open({ ...base, LEDGER_ENCRYPTION_KEY: newKey });
    const [read] = await after.readAll();
    await after.close();
    t.equal(read?.link, stored?.link, 'the same link: no event was touched');
    t.same(read?.encryption?.storedData, stored?.encryption?.storedData, 'the same stored bytes');
    t.same(read?.data, body, 'decrypts with the new key');
    t.throws(
      () => open({ ...base, LEDGER_ENCRYPTION_KEY: oldKey }),
      /LEDGER_ENCRYPTION_KEY \(key id \w+\) is not the key/,
      'the old key is refused',
    );
  },
);

void t.test('rotation without the previous key or with a wrong one changes nothing', async (t) => {
  const dir = t.testdir({});
  const key = generateMasterKey();
  const keysPath = join(dir, 'keys.db');
  const keys = openKeyStore({ path: keysPath, master: parseMasterKey(key) });
  await keys.keyForAppend('c-1');
  keys.close();
  const base = { EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}` };
  const missing = cliDeps({ ...base, LEDGER_ENCRYPTION_KEY: generateMasterKey() });
  t.equal(await run([], missing), 2);
  t.match(missing.errors(), /LEDGER_ENCRYPTION_KEY_PREVIOUS is not set/);
  const wrong = cliDeps({
    ...base,
    LEDGER_ENCRYPTION_KEY: generateMasterKey(),
    LEDGER_ENCRYPTION_KEY_PREVIOUS: generateMasterKey(),
  });
  await t.rejects(
    run([], wrong),
    /LEDGER_ENCRYPTION_KEY_PREVIOUS \(key id \w+\) did not wrap 1 data key/,
  );
  const unchanged = openKeyStore({ path: keysPath, master: parseMasterKey(key) });
  t.equal(unchanged.state('c-1')?.state, 'active', 'the original key still opens the store');
  unchanged.close();
});
