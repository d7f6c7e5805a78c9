/**
 * `compilot-ledger encrypt-store`: encrypts an existing plaintext SQLite store in place, as a
 * recorded migration between two signed checkpoints (src/privacy/storeEncryptionMigration.ts,
 * docs/ledger.md "Encrypting an existing store"). Run with the service stopped.
 */
import { existsSync } from 'node:fs';
import { COMMAND_SETTINGS, loadConfig, loadLedgerConfig } from '../config.js';
import { checkpointJson } from '../ledger/checkpointFormat.js';
import { createLogger } from '../lib/logger.js';
import { EncryptingEventStore } from '../privacy/encryptingEventStore.js';
import { encryptStore } from '../privacy/storeEncryptionMigration.js';
import { StoreUnavailableError } from '../store/eventStore.js';
import { openEventStore } from '../store/openEventStore.js';
import { parseCommandArgs, usageError } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger encrypt-store

Encrypts the customer data of an existing plaintext event store (SQLite) under per-customer
data keys, as one recorded migration: signs a checkpoint of the plaintext store, rewrites every
event the subject rule assigns to a customer (and the links after it) in one transaction with a
ledger.encrypted-after-the-fact record of the old and new stream heads, then signs a checkpoint
of the encrypted store. Both checkpoints go to CHECKPOINT_SINK; keep the first one: verify
--checkpoint accepts it through the record. Stop the service first. Rerunning is harmless.
Needs LEDGER_ENCRYPTION_KEY and LEDGER_SIGNING_KEY. Not possible on KurrentDB (see docs/ledger.md).

Exit codes: 0 encrypted (or already), 1 refused or failed, 2 usage error.`;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(
    deps,
    args,
    { help: { type: 'boolean', short: 'h' } },
    false,
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0)
    return usageError(deps, 'encrypt-store takes no arguments', USAGE);
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.ledger });
  const ledger = loadLedgerConfig(deps.env);
  const location = config.eventStore;
  const refuse = (message: string) => {
    deps.stderr.write(`encrypt-store: ${message}\n`);
    return 1;
  };
  if (location.kind === 'kurrentdb') {
    return refuse(
      'KurrentDB cannot rewrite stored events, so a plaintext KurrentDB store cannot be encrypted ' +
        'in place; copy its streams into a new store written with encryption on (a new SQLite or ' +
        'KurrentDB store), keep the old one as evidence until its retention ends (docs/ledger.md, ' +
        '"Encrypting an existing store")',
    );
  }
  if (!existsSync(location.path)) return refuse(`no event store at ${location.path}`);
  if (location.encryption?.mode !== 'on') {
    return refuse('LEDGER_ENCRYPTION is off: set LEDGER_ENCRYPTION_KEY to encrypt the store');
  }
  if (ledger.signingKey === undefined) {
    return refuse(
      'LEDGER_SIGNING_KEY is not set: the migration signs a checkpoint before and after it',
    );
  }
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const logger = createLogger(level, deps.stderr);
  let outcome;
  try {
    outcome = await encryptStore({
      path: location.path,
      signingKey: ledger.signingKey,
      checkpointSink: ledger.checkpointSink,
      logger,
      openStore: () => {
        const store = openEventStore(location, logger, { readOnly: false });
        if (!(store instanceof EncryptingEventStore)) throw new Error('encryption at rest is off');
        return { store, keys: store.keys };
      },
    });
  } catch (error) {
    if (error instanceof StoreUnavailableError) return refuse(error.message);
    throw error;
  }
  switch (outcome.kind) {
    case 'empty':
      return refuse('the event store is empty: there is nothing to encrypt');
    case 'nothing-to-encrypt':
      return refuse(
        `nothing to encrypt: every customer event is already encrypted (${outcome.alreadyEncrypted})`,
      );
    case 'plaintext-after-migration':
      return refuse(
        `the store was encrypted by the migration recorded at position ${outcome.at}, but ` +
          `${outcome.plaintext} customer event(s) written since are plaintext (was the service ` +
          'run with LEDGER_ENCRYPTION=off?); a second migration is not supported',
      );
    case 'encrypted': {
      const { migration, before, after } = outcome;
      await writeLine(
        deps.stdout,
        JSON.stringify({
          encrypted: outcome.now ? 'now' : 'already',
          recordPosition: outcome.recordPosition,
          reEncrypted: migration.reEncrypted,
          streams: migration.streams.length,
          alreadyEncrypted: migration.alreadyEncrypted,
        }),
      );
      await writeLine(deps.stdout, `before ${checkpointJson(before)}`);
      if (after !== undefined) await writeLine(deps.stdout, `after ${checkpointJson(after)}`);
      return 0;
    }
  }
}
