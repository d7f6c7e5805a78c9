/**
 * Head links of streams whose events were written before the ledger (schema version 1): their
 * chain is computed from content, once, and kept in `streams.head_link` so that the next append
 * links onto it. The events themselves are never rewritten; the service records that this
 * happened in the `ledger` stream (src/ledger/backfill.ts).
 */
import type Database from 'better-sqlite3';
import { linkEvent } from '../../ledger/chain.js';
import { coveredMetadataJson, GENESIS_LINK } from '../../ledger/link.js';

type ChainRow = [
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: Buffer,
  metadata: string,
  link: string | null,
];

/**
 * Sets `head_link` of every stream that has none, in one scan of its events in (stream,
 * revision) order. Returns how many streams it set. Runs inside the caller's transaction.
 */
export function fillMissingHeadLinks(db: Database.Database, onlyStream?: string): number {
  const rows = db
    .prepare<unknown[], ChainRow>(
      `SELECT e.stream, e.revision, e.id, e.type, e.data, e.metadata, e.link
       FROM events e JOIN streams s ON s.stream = e.stream
       WHERE s.head_link IS NULL ${onlyStream === undefined ? '' : 'AND e.stream = ?'}
       ORDER BY e.stream, e.revision`,
    )
    .raw();
  const setHead = db.prepare<[string, string]>('UPDATE streams SET head_link = ? WHERE stream = ?');
  // better-sqlite3 runs no other statement while one iterates: heads are set after the scan.
  const heads: [string, string][] = [];
  let stream: string | undefined;
  let link = GENESIS_LINK;
  const finish = () => {
    if (stream !== undefined) heads.push([link, stream]);
  };
  const args = onlyStream === undefined ? [] : [onlyStream];
  for (const [name, revision, id, type, data, metadata, stored] of rows.iterate(...args)) {
    if (name !== stream) {
      finish();
      stream = name;
      link = GENESIS_LINK;
    }
    link =
      stored ??
      linkEvent(
        name,
        revision,
        {
          id,
          type,
          data,
          metadataJson: coveredMetadataJson(JSON.parse(metadata) as Record<string, unknown>),
        },
        link,
      ).link;
  }
  finish();
  for (const [head, name] of heads) setHead.run(head, name);
  return heads.length;
}
