/**
 * The key store's SQLite file: how it is opened (pragmas, schema, read-only without a file) and
 * the start-up check that the configured master key is the one that wrapped its keys.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { holdsNoSchema } from '../lib/emptyDatabase.js';
import { preparePrivateDatabaseFile } from '../lib/privateFile.js';
import { KEY_STORE_SCHEMA, KeyStoreError } from './keyRecords.js';
import type { MasterKey } from './masterKey.js';

/**
 * `secure_delete = ON`, WAL with `synchronous = FULL`: a destroyed key is overwritten with zeros
 * in the database page, and the store truncates the WAL after destroying or re-wrapping keys, so
 * no file keeps the old bytes. (A rollback journal needs no checkpoint but costs several fsyncs
 * per commit on the main thread, which measurably slowed ingress while new customers' keys were
 * being created.)
 */
export function openKeyDatabase(path: string, readOnly: boolean): Database.Database {
  if (readOnly) return openReadOnly(path);
  preparePrivateDatabaseFile(path);
  const db = open(path, false);
  db.pragma('busy_timeout = 5000');
  db.pragma('secure_delete = ON');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return createSchema(db);
}

/**
 * Without a key store (a plaintext store, or keys not handed over) there are no keys, so
 * encrypted events read as undecryptable and verify names them. A file without a schema is a
 * key store whose creator was killed before its schema committed: no keys either.
 */
function openReadOnly(path: string): Database.Database {
  if (existsSync(path)) {
    const db = open(path, true);
    let empty: boolean;
    try {
      empty = holdsNoSchema(db);
    } catch (error) {
      db.close();
      throw new KeyStoreError(
        `KEY_STORE_URL: cannot read the key store ${path}: ${(error as Error).message}`,
      );
    }
    if (!empty) {
      db.pragma('busy_timeout = 5000');
      db.pragma('secure_delete = ON');
      return db;
    }
    db.close();
  }
  return createSchema(open(':memory:', false));
}

function open(path: string, readOnly: boolean): Database.Database {
  try {
    return new Database(path, { readonly: readOnly, fileMustExist: false });
  } catch (error) {
    throw new KeyStoreError(
      `KEY_STORE_URL: cannot open the key store ${path}: ${(error as Error).message}`,
    );
  }
}

/** In one transaction, so a kill leaves no key store with half a schema. */
function createSchema(db: Database.Database): Database.Database {
  db.transaction(() => db.exec(KEY_STORE_SCHEMA)).immediate();
  return db;
}

/** A wrong master key is a start-up error naming the setting, never a late decryption failure. */
export function checkMasterKey(db: Database.Database, master: MasterKey, path: string): void {
  const other = db
    .prepare(
      `SELECT master_key_id AS id, count(*) AS n FROM data_keys
        WHERE master_key_id IS NOT NULL AND master_key_id <> ? GROUP BY master_key_id`,
    )
    .all(master.id) as { id: string; n: number }[];
  if (other.length > 0) {
    throw new KeyStoreError(
      `LEDGER_ENCRYPTION_KEY (key id ${master.id}) is not the key that wrapped ` +
        `the data keys in ${path} (key id ${other.map((o) => o.id).join(', ')}); ` +
        'set the right key, or rotate with LEDGER_ENCRYPTION_KEY_PREVIOUS',
    );
  }
}
