/**
 * What an attacker with write access does to a store after its encryption migration
 * (test/privacy/storeEncryptionMigration.test.ts): change a copy with the triggers dropped, then
 * recompute the links so only the migration record can give the change away.
 */
import type Database from 'better-sqlite3';
import { linkEvent } from '../../src/ledger/chain.js';
import { coveredMetadataJson, GENESIS_LINK } from '../../src/ledger/link.js';

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
