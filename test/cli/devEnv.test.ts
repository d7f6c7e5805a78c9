import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import t from 'tap';
import { ensureDevEnv } from '../../src/cli/devEnv.js';
import { loadConfig, loadLedgerConfig } from '../../src/config.js';

void t.test(
  'first run generates a secret, a token, a signing key and an encryption key into a private .env',
  async (t) => {
    const dir = t.testdir({});
    const { env, generated } = ensureDevEnv(dir, {});
    t.same([...generated].sort(), [
      'COMPILOT_WEBHOOK_SECRET',
      'LEDGER_ENCRYPTION_KEY',
      'LEDGER_SIGNING_KEY',
      'QUERY_API_TOKENS',
    ]);
    const file = join(dir, '.env');
    t.equal(statSync(file).mode & 0o777, 0o600, '.env is readable by its owner only');
    const stored = parseEnv(readFileSync(file, 'utf8'));
    t.equal(stored.COMPILOT_WEBHOOK_SECRET, env.COMPILOT_WEBHOOK_SECRET);
    t.equal(stored.QUERY_API_TOKENS, env.QUERY_API_TOKENS);
    const config = loadConfig(env, { requireWebhookSecret: true });
    t.equal(config.webhookSecrets.length, 1, 'the generated secret is a valid whsec_ secret');
    t.equal(config.queryApiTokens.length, 1, 'the generated token is accepted');
    t.equal(stored.LEDGER_SIGNING_KEY, env.LEDGER_SIGNING_KEY);
    const ledger = loadLedgerConfig(env);
    t.ok(ledger.signingKey, 'the generated signing key is a valid Ed25519 key');
    t.equal(stored.LEDGER_ENCRYPTION_KEY, env.LEDGER_ENCRYPTION_KEY);
    t.equal(config.eventStore.encryption?.mode, 'on', 'the generated encryption key is accepted');
  },
);

void t.test('later runs reuse what .env holds', async (t) => {
  const dir = t.testdir({});
  const first = ensureDevEnv(dir, {});
  const second = ensureDevEnv(dir, {});
  t.same(second.generated, []);
  t.equal(second.env.COMPILOT_WEBHOOK_SECRET, first.env.COMPILOT_WEBHOOK_SECRET);
});

void t.test('values set in the environment are never overwritten or written to .env', async (t) => {
  const dir = t.testdir({});
  writeFileSync(join(dir, '.env'), 'PORT=4000\n');
  const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
  const { env, generated } = ensureDevEnv(dir, { COMPILOT_WEBHOOK_SECRET: secret });
  t.same(generated, ['QUERY_API_TOKENS', 'LEDGER_SIGNING_KEY', 'LEDGER_ENCRYPTION_KEY']);
  t.equal(env.COMPILOT_WEBHOOK_SECRET, secret);
  const stored = readFileSync(join(dir, '.env'), 'utf8');
  t.notMatch(stored, secret, 'the operator secret stays out of .env');
  t.match(stored, 'PORT=4000', 'existing lines are kept');
});

void t.test('no encryption key is generated when encryption is explicitly off', async (t) => {
  const dir = t.testdir({});
  const { generated } = ensureDevEnv(dir, { LEDGER_ENCRYPTION: 'off' });
  t.notOk(generated.includes('LEDGER_ENCRYPTION_KEY'));
});
