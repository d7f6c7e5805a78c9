/**
 * The keyed attacker of the tamper suite (test/helpers/tampers.ts): one who also holds the key
 * store and master key, so can decrypt a stored event and re-encrypt edits under its data key.
 */
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { openEnvelope, sealEnvelope } from '../../src/privacy/envelope.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { parseMasterKey } from '../../src/privacy/masterKey.js';
import type { PopulatedLedger } from './ledgerHarness.js';
import { change, rowStream, storedRow } from './tamperTools.js';

/**
 * The attacker who also holds the key store and master key: the plaintext of a stored event and
 * a function that encrypts bytes for any event under the same data key.
 */
export function withKeys(
  db: Database.Database,
  ledger: PopulatedLedger,
  position: number,
): { text: string; seal: (text: string, eventId: string, streamName: string) => Buffer } {
  const row = storedRow(db, position);
  const keyId = (JSON.parse(row.metadata) as { encryption: { keyId: string } }).encryption.keyId;
  const keys = openKeyStore({
    path: join(dirname(ledger.dbPath), 'keys.db'),
    master: parseMasterKey(ledger.env.LEDGER_ENCRYPTION_KEY!),
    readOnly: true,
  });
  try {
    const found = keys.lookup(keyId);
    if (found.state !== 'active') throw new Error(`no key ${keyId}`);
    const key = found.key.key;
    const binding = { eventId: row.id, streamName: rowStream(db, position) };
    return {
      text: openEnvelope(key, row.data, binding).toString('utf8'),
      seal: (text, eventId, streamName) =>
        sealEnvelope(key, Buffer.from(text), { eventId, streamName }),
    };
  } finally {
    keys.close();
  }
}

/** Decrypts an event's data with the ledger's keys, edits it, and stores it re-encrypted. */
export function reencrypt(
  db: Database.Database,
  ledger: PopulatedLedger,
  position: number,
  edit: (text: string) => string,
): void {
  const { text, seal } = withKeys(db, ledger, position);
  const edited = edit(text);
  if (edited === text) throw new Error('tamper changed nothing');
  const row = storedRow(db, position);
  const sealed = seal(edited, row.id, rowStream(db, position));
  change(db, 'UPDATE events SET data = ? WHERE position = ?', sealed, position);
}
