import { resolve } from 'node:path';
import t from 'tap';
import { ConfigError } from '../../src/config/configError.js';
import { loadLedgerConfig } from '../../src/config/ledgerSettings.js';
import { generateSigningKeyBase64 } from '../../src/ledger/signingKey.js';

void t.test('without settings no checkpoint is signed, one is made every minute', async (t) => {
  const config = loadLedgerConfig({});
  t.equal(config.signingKey, undefined);
  t.equal(config.checkpointIntervalMs, 60_000);
  t.equal(config.checkpointSink, resolve('data/checkpoints.ndjson'));
  t.ok(Object.isFrozen(config), 'the settings cannot be changed after loading');
});

void t.test('a signing key is parsed and the sink becomes an absolute path', async (t) => {
  const config = loadLedgerConfig({
    LEDGER_SIGNING_KEY: ` ${generateSigningKeyBase64()} `,
    CHECKPOINT_INTERVAL_MS: '100',
    CHECKPOINT_SINK: 'out/sink.ndjson',
  });
  t.equal(config.signingKey?.privateKey.asymmetricKeyType, 'ed25519');
  t.equal(config.checkpointIntervalMs, 100);
  t.equal(config.checkpointSink, resolve('out/sink.ndjson'));
});

void t.test('a bad key and a bad interval are named together, the key never echoed', async (t) => {
  const badKey = 'c2VjcmV0LWJ1dC1ub3QtYS1rZXk=';
  const error = t.throws(() =>
    loadLedgerConfig({ LEDGER_SIGNING_KEY: badKey, CHECKPOINT_INTERVAL_MS: '99' }),
  ) as ConfigError;
  t.type(error, ConfigError);
  t.match(error.problems, [
    /^LEDGER_SIGNING_KEY is not a PKCS#8 private key/,
    /CHECKPOINT_INTERVAL_MS must be a whole number from 100 to 86400000 \(got "99"\)/,
  ]);
  t.notMatch(error.message, badKey);
});
