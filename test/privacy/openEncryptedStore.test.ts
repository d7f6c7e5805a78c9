import { join } from 'node:path';
import t from 'tap';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { generateMasterKey, parseMasterKey } from '../../src/privacy/masterKey.js';
import { withEncryptionAtRest } from '../../src/privacy/openEncryptedStore.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { captureLogger } from '../helpers/simulatorHarness.js';

void t.test(
  'LEDGER_ENCRYPTION=off opens the plain adapter and says so once, at warn',
  async (t) => {
    const { logger, lines } = captureLogger('warn');
    const first = withEncryptionAtRest({ mode: 'off' }, logger, false, createInMemoryEventStore);
    const second = withEncryptionAtRest({ mode: 'off' }, logger, false, createInMemoryEventStore);
    t.notOk(first instanceof EncryptingEventStore);
    t.notOk(second instanceof EncryptingEventStore);
    t.equal(lines.length, 1, 'logged once per process');
    t.match(lines[0], /"level":40.*LEDGER_ENCRYPTION=off/);
  },
);

void t.test(
  'encryption on wraps the adapter; a wrong key stops before the log is opened',
  async (t) => {
    const dir = t.testdir({});
    const keyStorePath = join(dir, 'keys.db');
    const masterKey = generateMasterKey();
    const { logger } = captureLogger('warn');
    const store = withEncryptionAtRest(
      { mode: 'on', masterKey, keyStorePath },
      logger,
      false,
      createInMemoryEventStore,
    );
    t.ok(store instanceof EncryptingEventStore);
    await store.appendToStream('customer-c-1', [
      {
        id: '00000000-0000-5000-8000-000000000001',
        type: 't',
        data: Buffer.from('{}'),
        metadata: {},
      },
    ]);
    await store.close();
    let opened = false;
    t.throws(
      () =>
        withEncryptionAtRest(
          { mode: 'on', masterKey: generateMasterKey(), keyStorePath },
          logger,
          false,
          () => {
            opened = true;
            return createInMemoryEventStore();
          },
        ),
      /LEDGER_ENCRYPTION_KEY \(key id \w+\) is not the key that wrapped the data keys/,
    );
    t.notOk(opened, 'the adapter was never opened');
    const keys = openKeyStore({ path: keyStorePath, master: parseMasterKey(masterKey) });
    t.equal(keys.state('c-1')?.state, 'active', 'the right key still opens it');
    keys.close();
  },
);
