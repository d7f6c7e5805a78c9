/**
 * What an attacker with write access does to a store after its encryption migration
 * (test/privacy/storeEncryptionMigration.test.ts): change a copy with the triggers dropped, then
 * recompute the links so only the migration record can give the change away.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { linkEvent } from '../../src/ledger/chain.js';
import { coveredMetadataJson, GENESIS_LINK } from '../../src/ledger/link.js';
import type { PopulatedLedger } from './ledgerHarness.js';

/** Recomputes a stream's links and head from its content: an attacker covering their tracks. */
export function relink(db: Database.Database, stream: string): void {
  const rows = db
    .prepare<
      [string],
      {
        position: number;
        revision: number;
        id: string;
        type: string;
        data: Buffer;
        metadata: string;
      }
    >(
      'SELECT position, revision, id, type, data, metadata FROM events WHERE stream = ? ORDER BY revision',
    )
    .all(stream);
  let link = GENESIS_LINK;
  for (const row of rows) {
    const fields = linkEvent(
      stream,
      row.revision,
      {
        ...row,
        metadataJson: coveredMetadataJson(JSON.parse(row.metadata) as Record<string, unknown>),
      },
      link,
    );
    link = fields.link;
    db.prepare('UPDATE events SET link = ?, data_sha256 = ? WHERE position = ?').run(
      fields.link,
      fields.dataSha256,
      row.position,
    );
  }
  db.prepare('UPDATE streams SET head_link = ? WHERE stream = ?').run(link, stream);
}

/** A copy of the migrated store (and its key store), mutated with the triggers dropped. */
export function tamperedCopy(
  ledger: PopulatedLedger,
  dir: string,
  mutate: (db: Database.Database) => void,
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'events.db');
  copyFileSync(ledger.dbPath, path);
  copyFileSync(join(ledger.dbPath, '../keys.db'), join(dir, 'keys.db'));
  const db = new Database(path);
  try {
    for (const name of db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
      .pluck()
      .all() as string[]) {
      db.exec(`DROP TRIGGER "${name}"`);
    }
    mutate(db);
  } finally {
    db.close();
  }
  return path;
}
