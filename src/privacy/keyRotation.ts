/**
 * Rotation of the master key (LEDGER_ENCRYPTION_KEY): every data key is unwrapped with the
 * previous master key and wrapped again with the new one, in one transaction of the key store,
 * without touching a single event. The key store (keyStore.ts) clears its cache and purges the
 * old wrapped bytes from its WAL afterwards.
 */
import type Database from 'better-sqlite3';
import { KeyStoreError, type KeyRow } from './keyRecords.js';
import { unwrapDataKey, wrapDataKey, type MasterKey } from './masterKey.js';

export interface RewrapResult {
  readonly rewrapped: number;
  readonly alreadyCurrent: number;
}

/**
 * Re-wraps every live data key from `previous` to `current`, all or nothing. Keys already under
 * `current` are left alone, so a repeat is harmless; a key wrapped by neither is an error.
 */
export function rewrapKeys(
  db: Database.Database,
  previous: MasterKey,
  current: MasterKey,
): RewrapResult {
  const rows = db.prepare(`SELECT * FROM data_keys WHERE state <> 'destroyed'`).all() as KeyRow[];
  let rewrapped = 0;
  let alreadyCurrent = 0;
  const unknown = rows.filter(
    (r) => r.master_key_id !== previous.id && r.master_key_id !== current.id,
  );
  if (unknown.length > 0) {
    throw new KeyStoreError(
      `LEDGER_ENCRYPTION_KEY_PREVIOUS (key id ${previous.id}) did not wrap ${unknown.length} ` +
        `data key(s) (wrapped by key id ${unknown[0]?.master_key_id ?? '?'})`,
    );
  }
  db.transaction(() => {
    const update = db.prepare(
      'UPDATE data_keys SET wrapped = ?, master_key_id = ? WHERE key_id = ?',
    );
    for (const row of rows) {
      if (row.master_key_id === current.id || row.wrapped === null) {
        alreadyCurrent += 1;
        continue;
      }
      const key = unwrapDataKey(previous, row.wrapped, row.subject, row.key_id);
      update.run(wrapDataKey(current, key, row.subject, row.key_id), current.id, row.key_id);
      rewrapped += 1;
    }
  }).immediate();
  return { rewrapped, alreadyCurrent };
}
