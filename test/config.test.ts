import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  COMMAND_SETTINGS,
  ConfigError,
  loadConfig,
  loadRetentionConfig,
  readEnvironment,
} from '../src/config.js';
import { ENCRYPTION_ENV } from './helpers/encryptionKey.js';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
/** Every config that reads EVENT_STORE_URL needs the encryption key (or LEDGER_ENCRYPTION=off). */
const KEY = ENCRYPTION_ENV;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

void t.test('loadConfig gives documented defaults for an empty environment', async (t) => {
  const config = loadConfig(KEY);
  t.equal(config.port, 3000);
  t.equal(config.host, '0.0.0.0');
  t.equal(config.logLevel, 'info');
  t.equal(config.webhookMaxBodyBytes, 1024 * 1024);
  t.same(config.eventStore, {
    kind: 'sqlite',
    path: join(process.cwd(), 'data/events.db'),
    encryption: {
      mode: 'on',
      masterKey: KEY.LEDGER_ENCRYPTION_KEY,
      keyStorePath: join(process.cwd(), 'data/keys.db'),
    },
  });
  t.equal(config.readModelPath, join(process.cwd(), 'data/readmodel.db'));
  t.equal(config.compilotApi.url, 'https://api.compilot.ai');
  t.equal(config.compilotApi.ratePerSecond, 15);
  t.equal(config.compilotApi.ratePerMinute, 300);
  t.same(config.queryApiTokens, []);
  t.same(
    config.reconcile,
    { intervalMs: 0, pageSize: 100, leaseMs: 300_000 },
    'reconciliation off',
  );
  t.ok(Object.isFrozen(config), 'the config is frozen');
});

void t.test('serve refuses to start without a webhook secret, saying which variable', async (t) => {
  t.throws(() => loadConfig({}, { requireWebhookSecret: true }), {
    name: 'ConfigError',
    message: /COMPILOT_WEBHOOK_SECRET is not set/,
  });
});

void t.test('several secrets separated by spaces or commas are all kept', async (t) => {
  const config = loadConfig({ ...KEY, COMPILOT_WEBHOOK_SECRET: ` ${SECRET}, ${OTHER_SECRET} ` });
  t.same(config.webhookSecrets, [SECRET, OTHER_SECRET]);
});

void t.test('one error names every bad variable and never echoes a secret', async (t) => {
  const badSecret = 'whsec_not*base64';
  try {
    loadConfig({
      ...KEY,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      EVENT_STORE_URL: 'postgres://user:pw@db/events',
      COMPILOT_WEBHOOK_SECRET: `${SECRET} ${badSecret}`,
      COMPILOT_API_URL: 'ftp://example.org',
      PROJECTION_ON_ERROR: 'ignore',
      QUERY_API_TOKENS: 'short',
    });
    t.fail('expected a ConfigError');
  } catch (error) {
    t.type(error, ConfigError);
    const { message, problems } = error as ConfigError;
    for (const name of [
      'PORT',
      'LOG_LEVEL',
      'EVENT_STORE_URL',
      'COMPILOT_WEBHOOK_SECRET entry 2',
      'COMPILOT_API_URL',
      'PROJECTION_ON_ERROR',
      'QUERY_API_TOKENS',
    ]) {
      t.match(message, name, `names ${name}`);
    }
    t.equal(problems.length, 7, 'one problem per bad variable');
    t.notMatch(message, badSecret, 'the bad secret is not echoed');
    t.notMatch(message, 'pw@', 'credentials in a URL are redacted');
  }
});

void t.test('a KurrentDB connection string selects the KurrentDB adapter', async (t) => {
  for (const url of [
    'kurrentdb://localhost:2113?tls=false',
    'kurrentdb+discover://cluster.example:2113',
    'esdb://n1:2113,n2:2113,n3:2113',
  ]) {
    t.has(loadConfig({ ...KEY, EVENT_STORE_URL: url }).eventStore, {
      kind: 'kurrentdb',
      connectionString: url,
    });
  }
});

void t.test('sqlite: URLs resolve to absolute file paths', async (t) => {
  t.has(loadConfig({ ...KEY, EVENT_STORE_URL: 'sqlite:///var/lib/ledger/events.db' }).eventStore, {
    kind: 'sqlite',
    path: '/var/lib/ledger/events.db',
  });
});

void t.test('readEnvironment fills in from .env but the real environment wins', async (t) => {
  const dir = t.testdir({ '.env': '' });
  writeFileSync(join(dir, '.env'), 'LEDGER_TEST_ONLY_IN_FILE=file\nLEDGER_TEST_IN_BOTH=file\n');
  process.env.LEDGER_TEST_IN_BOTH = 'process';
  t.teardown(() => delete process.env.LEDGER_TEST_IN_BOTH);
  const env = readEnvironment(dir);
  t.equal(env.LEDGER_TEST_ONLY_IN_FILE, 'file');
  t.equal(env.LEDGER_TEST_IN_BOTH, 'process');
});

void t.test('a missing .env file is fine', async (t) => {
  const dir = t.testdir({});
  t.equal(readEnvironment(dir).LEDGER_TEST_ONLY_IN_FILE, undefined);
});

void t.test('reconciliation settings are read and checked', async (t) => {
  const config = loadConfig({ ...KEY, RECONCILE_INTERVAL_MS: '60000', RECONCILE_PAGE_SIZE: '50' });
  t.same(config.reconcile, { intervalMs: 60_000, pageSize: 50, leaseMs: 300_000 });
  t.throws(
    () => loadConfig({ ...KEY, RECONCILE_PAGE_SIZE: '500', RECONCILE_INTERVAL_MS: 'hourly' }),
    /RECONCILE_INTERVAL_MS must be a whole number[\s\S]*RECONCILE_PAGE_SIZE must be a whole number from 1 to 100/,
  );
});
void t.test('a command validates only the settings it uses', async (t) => {
  const unused = {
    PORT: 'abc',
    HOST: '',
    WEBHOOK_MAX_BODY_BYTES: 'lots',
    READ_MODEL_URL: 'postgres://x',
    PROJECTION_ON_ERROR: 'ignore',
    COMPILOT_API_URL: 'ftp://example.org',
    COMPILOT_API_MAX_RETRIES: '-1',
    QUERY_API_TOKENS: 'short',
    SHUTDOWN_TIMEOUT_MS: 'never',
  };
  const config = loadConfig(
    { ...KEY, ...unused, EVENT_STORE_URL: 'sqlite:/tmp/x.db', COMPILOT_WEBHOOK_SECRET: SECRET },
    { settings: COMMAND_SETTINGS.ledger },
  );
  t.has(config.eventStore, { kind: 'sqlite', path: '/tmp/x.db' }, 'its own settings are read');
  t.same(config.webhookSecrets, [SECRET]);
  t.equal(config.port, 3000, 'a setting it does not use keeps its default');
  t.same(config.queryApiTokens, []);
  t.throws(
    () =>
      loadConfig(
        { ...KEY, ...unused, EVENT_STORE_URL: 'nope' },
        { settings: COMMAND_SETTINGS.ledger },
      ),
    { name: 'ConfigError', message: /EVENT_STORE_URL/ },
    'a bad setting it uses is still refused',
  );
});

void t.test('every command lists only settings that exist', async (t) => {
  // Each listed name must change the config when set badly, or it is a typo.
  for (const [command, names] of Object.entries(COMMAND_SETTINGS)) {
    for (const name of names) {
      if (name === 'COMPILOT_API_KEY') continue; // any text is a key
      if (name === 'VERIFY_REPORT') continue; // any text is a file path
      t.throws(
        () => loadConfig({ ...KEY, [name]: 'http://:bad value' }, { settings: names }),
        { name: 'ConfigError' },
        `${command}: ${name} is validated`,
      );
    }
  }
});

void t.test('retention settings default to five years, not enforced, checked daily', async (t) => {
  t.same(loadRetentionConfig({}), {
    retentionDays: 1826,
    enforce: false,
    intervalMs: 86_400_000,
  });
  t.same(
    loadRetentionConfig({
      RETENTION_DAYS: '3650',
      RETENTION_ENFORCE: 'TRUE',
      RETENTION_INTERVAL_MS: '60000',
    }),
    { retentionDays: 3650, enforce: true, intervalMs: 60_000 },
  );
});

void t.test('bad retention settings are named together', async (t) => {
  const error = t.throws(() =>
    loadRetentionConfig({
      RETENTION_DAYS: 'five years',
      RETENTION_ENFORCE: 'yes',
      RETENTION_INTERVAL_MS: '10',
    }),
  ) as ConfigError;
  t.type(error, ConfigError);
  t.match(error.problems, [
    /RETENTION_DAYS must be a whole number from 0 to 36500 \(got "five years"\)/,
    /RETENTION_ENFORCE must be true or false \(got "yes"\)/,
    /RETENTION_INTERVAL_MS must be a whole number from 1000/,
  ]);
});

void t.test(
  'whoever reads EVENT_STORE_URL needs LEDGER_ENCRYPTION_KEY, unless encryption is off',
  async (t) => {
    t.throws(() => loadConfig({}), {
      name: 'ConfigError',
      message: /LEDGER_ENCRYPTION_KEY is not set: .*LEDGER_ENCRYPTION=off/,
    });
    t.throws(() => loadConfig({}, { settings: COMMAND_SETTINGS.events }), /LEDGER_ENCRYPTION_KEY/);
    t.doesNotThrow(
      () => loadConfig({}, { settings: COMMAND_SETTINGS.simulate }),
      'simulate opens no store',
    );
    t.same(loadConfig({ LEDGER_ENCRYPTION: 'off' }).eventStore.encryption, { mode: 'off' });
    t.throws(
      () => loadConfig({ LEDGER_ENCRYPTION: 'maybe' }),
      /LEDGER_ENCRYPTION must be on or off/,
    );
  },
);

void t.test('a malformed encryption key is refused by name, never echoed', async (t) => {
  const short = Buffer.alloc(16, 1).toString('base64');
  t.throws(() => loadConfig({ LEDGER_ENCRYPTION_KEY: short }), {
    message: /LEDGER_ENCRYPTION_KEY must be base64 of exactly 32 random bytes \(got 16 bytes\)/,
  });
  try {
    loadConfig({ ...KEY, LEDGER_ENCRYPTION_KEY_PREVIOUS: 'not-a-key!' });
    t.fail('expected an error');
  } catch (error) {
    t.match((error as Error).message, /LEDGER_ENCRYPTION_KEY_PREVIOUS must be base64/);
    t.notMatch((error as Error).message, /not-a-key/);
  }
});

void t.test('the key store defaults to keys.db next to the SQLite event store', async (t) => {
  const at = (env: Record<string, string>) => {
    const encryption = loadConfig({ ...KEY, ...env }).eventStore.encryption;
    return encryption?.mode === 'on' ? encryption.keyStorePath : undefined;
  };
  t.equal(at({ EVENT_STORE_URL: 'sqlite:/srv/ledger/events.db' }), '/srv/ledger/keys.db');
  t.equal(at({ EVENT_STORE_URL: 'kurrentdb://h:2113' }), join(process.cwd(), 'data/keys.db'));
  t.equal(at({ KEY_STORE_URL: 'sqlite:/secure/keys.db' }), '/secure/keys.db');
});
