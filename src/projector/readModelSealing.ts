/**
 * Wires the read model's sealed columns (src/readmodel/sealedColumns.ts) to encryption at rest:
 * a read model next to a store that encrypts (LEDGER_ENCRYPTION on) seals its personal columns
 * under the customers' data keys from that store's key store; next to a plaintext store
 * (LEDGER_ENCRYPTION=off, a store built in code) it stays plaintext. Called where a read-model
 * connection and the store are opened (service, CLI, rebuild threads), before any projection
 * writes or any query reads through that connection.
 */
import type { EncryptionConfig } from '../config.js';
import { parseMasterKey } from '../privacy/masterKey.js';
import { readModelSealerFor } from '../privacy/readModelSealer.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import { ERASED, attachSealer } from '../readmodel/sealedColumns.js';
import type { EventStore } from '../store/eventStore.js';

/** Returns whether the connection now seals. */
export function sealReadModelFor(
  db: ReadModelDb,
  store: EventStore,
  encryption: EncryptionConfig | undefined,
): boolean {
  const master = encryption?.mode === 'on' ? parseMasterKey(encryption.masterKey) : undefined;
  const sealer = readModelSealerFor(store, master, ERASED);
  attachSealer(db, sealer);
  return sealer !== undefined;
}
