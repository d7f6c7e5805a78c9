/**
 * Encryption at rest for projector and read-model tests: an event store that encrypts (real
 * key store file, the fixed test key), a read-model connection that seals through it, and a
 * view of rows with their sealed columns opened, so read models built with random IVs can be
 * compared by what they say.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Projection, TableSpec } from '../../projections/projection.js';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { parseMasterKey } from '../../src/privacy/masterKey.js';
import { sealReadModelFor } from '../../src/projector/readModelSealing.js';
import type { ReadModelDb } from '../../src/readmodel/readModelStore.js';
import { ERASED, openColumn, sealerOf } from '../../src/readmodel/sealedColumns.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { TEST_ENCRYPTION_KEY } from './encryptionKey.js';

/** A SQLite store at `dir/events.db` encrypting under keys in `dir/keys.db`. */
export function openEncryptedTestStore(dir: string, readOnly = false): EncryptingEventStore {
  return new EncryptingEventStore(
    openSqliteEventStore({ path: join(dir, 'events.db') }),
    openKeyStore({
      path: join(dir, 'keys.db'),
      master: parseMasterKey(TEST_ENCRYPTION_KEY),
      readOnly,
    }),
  );
}

/** Makes `db` seal with the keys of `store` (which must encrypt); returns `db`. */
export function sealThrough(db: ReadModelDb, store: EventStore): ReadModelDb {
  const sealing = sealReadModelFor(db, store, {
    mode: 'on',
    masterKey: TEST_ENCRYPTION_KEY,
    keyStorePath: 'unused',
  });
  if (!sealing) throw new Error('sealThrough needs a store that encrypts');
  return db;
}

/** `row` with its sealed columns opened (erased ones as the string "<erased>"). */
export function openedRow(
  db: ReadModelDb,
  table: TableSpec,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...row };
  const subject = table.subject === undefined ? null : (row[table.subject] as string | null);
  for (const column of table.columns) {
    if (column.sealed !== true) continue;
    const value = row[column.name] as string | null;
    const opened = openColumn(db, table.name, column.name, subject, value);
    out[column.name] = opened === ERASED ? '<erased>' : opened;
  }
  return out;
}

/**
 * How many values of sealed columns in `db`'s live tables are stored sealed, and how many not,
 * in the rows that must be sealed.
 */
export function sealedCounts(
  db: ReadModelDb,
  projections: readonly Projection[],
): { sealed: number; plain: number } {
  const sealer = sealerOf(db);
  let sealed = 0;
  let plain = 0;
  for (const projection of projections) {
    for (const table of projection.tables) {
      // Rows the table declares free of personal data (unsealedRows) are not counted.
      const exempt = table.unsealedRows;
      const personal =
        exempt === undefined
          ? ''
          : exempt.values === undefined
            ? ` AND "${exempt.column}" IS NULL`
            : ` AND "${exempt.column}" NOT IN (${exempt.values.map((v) => `'${v}'`).join(', ')})`;
      for (const column of table.columns.filter((c) => c.sealed === true)) {
        const values = db
          .prepare(
            `SELECT "${column.name}" FROM "${table.name}" WHERE "${column.name}" IS NOT NULL${personal}`,
          )
          .pluck()
          .all() as string[];
        for (const value of values) {
          if (sealer?.isSealed(value) === true) sealed += 1;
          else plain += 1;
        }
      }
    }
  }
  return { sealed, plain };
}

/** A read model's bytes on disk, its file and its WAL: what a search for plaintext must cover. */
export function readModelBytes(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
  );
}
