/**
 * `compilot-ledger rotate-encryption-key`: re-wraps every customer data key from
 * LEDGER_ENCRYPTION_KEY_PREVIOUS to LEDGER_ENCRYPTION_KEY in one transaction. Events are never
 * touched (they are encrypted under the data keys, which do not change), so links, checkpoints
 * and exports stay as they were. Run it with the service stopped, then start it with the new key.
 */
import { COMMAND_SETTINGS, loadConfig } from '../config.js';
import { openKeyStore } from '../privacy/keyStore.js';
import { parseMasterKey } from '../privacy/masterKey.js';
import { parseCommandArgs, usageError } from './auditSupport.js';
import type { CliDeps } from './deps.js';

const USAGE = `usage: compilot-ledger rotate-encryption-key

Re-wraps every customer data key in KEY_STORE_URL: from the key in
LEDGER_ENCRYPTION_KEY_PREVIOUS to the one in LEDGER_ENCRYPTION_KEY, all or nothing.
Events are not touched. Stop the service first; start it afterwards with the new key only.`;

export function run(args: string[], deps: CliDeps): Promise<number> {
  return Promise.resolve().then(() => rotate(args, deps));
}

function rotate(args: string[], deps: CliDeps): number {
  const parsed = parseCommandArgs(
    deps,
    args,
    { help: { type: 'boolean', short: 'h' } },
    false,
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.rotate });
  const encryption = config.eventStore.encryption;
  if (encryption?.mode !== 'on') {
    return usageError(deps, 'rotate-encryption-key: LEDGER_ENCRYPTION is off', USAGE);
  }
  if (encryption.previousMasterKey === undefined) {
    return usageError(
      deps,
      'rotate-encryption-key: LEDGER_ENCRYPTION_KEY_PREVIOUS is not set (the key being replaced)',
      USAGE,
    );
  }
  const keys = openKeyStore({
    path: encryption.keyStorePath,
    master: parseMasterKey(encryption.masterKey),
    skipMasterKeyCheck: true,
  });
  try {
    const result = keys.rotate(parseMasterKey(encryption.previousMasterKey));
    deps.stdout.write(
      `${JSON.stringify({ keyStore: encryption.keyStorePath, masterKeyId: keys.masterKeyId, ...result })}\n`,
    );
    return 0;
  } finally {
    keys.close();
  }
}
