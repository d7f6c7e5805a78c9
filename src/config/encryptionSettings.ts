/**
 * The encryption-at-rest settings, read together with EVENT_STORE_URL: the mode, the master keys
 * (validated, never echoed) and the key store's location. A group of its own because whether
 * they are read at all depends on whether the caller reads the event store.
 */
import { dirname, join } from 'node:path';
import { parseMasterKey } from '../privacy/masterKey.js';
import type { Env, EventStoreLocation } from './configTypes.js';
import { parseSqliteUrl } from './settingParsers.js';

/**
 * Whoever reads EVENT_STORE_URL reads the encryption settings with it: LEDGER_ENCRYPTION_KEY is
 * required unless LEDGER_ENCRYPTION=off (benchmarks and tests of the plaintext path).
 */
export function withEncryption(
  location: EventStoreLocation,
  env: Env | undefined,
  problems: string[],
): EventStoreLocation {
  if (env === undefined) return location;
  const mode = env.LEDGER_ENCRYPTION?.trim() || 'on';
  if (mode === 'off') return { ...location, encryption: { mode: 'off' } };
  if (mode !== 'on') {
    problems.push(`LEDGER_ENCRYPTION must be on or off (got "${mode}")`);
    return location;
  }
  const key = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    try {
      parseMasterKey(raw);
      return raw;
    } catch (error) {
      problems.push(`${name} ${(error as Error).message}`);
      return undefined;
    }
  };
  const masterKey = key('LEDGER_ENCRYPTION_KEY');
  const previousMasterKey = key('LEDGER_ENCRYPTION_KEY_PREVIOUS');
  if (masterKey === undefined) {
    if (!env.LEDGER_ENCRYPTION_KEY?.trim()) {
      problems.push(
        'LEDGER_ENCRYPTION_KEY is not set: set it to base64 of 32 random bytes ' +
          '(openssl rand -base64 32), the key that wraps customer data keys; ' +
          'LEDGER_ENCRYPTION=off stores customer data unencrypted (benchmarks, tests)',
      );
    }
    return location;
  }
  // Default: keys.db next to the SQLite event store (data/keys.db for the default store).
  const defaultKeys =
    location.kind === 'sqlite' ? join(dirname(location.path), 'keys.db') : 'data/keys.db';
  const rawKeys = env.KEY_STORE_URL?.trim() || `sqlite:${defaultKeys}`;
  const keyStorePath = parseSqliteUrl('KEY_STORE_URL', rawKeys, problems);
  return {
    ...location,
    encryption: {
      mode: 'on',
      masterKey,
      ...(previousMasterKey === undefined ? {} : { previousMasterKey }),
      keyStorePath,
    },
  };
}
