/** Composition: wraps any adapter in EncryptingEventStore as the encryption settings say. */
import type { EncryptionConfig } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from '../store/eventStore.js';
import { EncryptingEventStore } from './encryptingEventStore.js';
import { openKeyStore } from './keyStore.js';
import { parseMasterKey } from './masterKey.js';

let warnedOff = false;

export function withEncryptionAtRest(
  encryption: EncryptionConfig | undefined,
  logger: Logger,
  readOnly: boolean,
  openAdapter: () => EventStore,
): EventStore {
  if (encryption === undefined) return openAdapter();
  if (encryption.mode === 'off') {
    if (!warnedOff) {
      warnedOff = true;
      logger.warn(
        'LEDGER_ENCRYPTION=off: customer data is stored and read unencrypted (meant for benchmarks and tests)',
      );
    }
    return openAdapter();
  }
  // The key store first: a wrong key or an unreadable key store stops before the log opens.
  const keys = openKeyStore({
    path: encryption.keyStorePath,
    master: parseMasterKey(encryption.masterKey),
    readOnly,
  });
  try {
    return new EncryptingEventStore(openAdapter(), keys);
  } catch (error) {
    keys.close();
    throw error;
  }
}
