/**
 * The one sanctioned rewrite of stored events (encrypting a plaintext store, see
 * src/privacy/storeEncryptionMigration.ts), on SQLite only: KurrentDB cannot rewrite an event.
 *
 * In ONE transaction it replaces the data and metadata of the events `transform` picks,
 * recomputes the links of every affected stream from its first changed revision (links chain,
 * so every later event of the stream gets a new one) and the stream heads, and appends the
 * record `record` makes of what changed. A crash leaves either the old store or the new one.
 * The triggers that make events immutable are dropped and re-created inside that transaction,
 * so outside it they never stop holding. `secure_delete` zeroes the replaced bytes, VACUUM and a
 * truncating WAL checkpoint follow, so the old bytes stay in no file of the store.
 */
import Database from 'better-sqlite3';
import { canonicalJson } from '../../ledger/canonicalJson.js';
import { linkEvent } from '../../ledger/chain.js';
import { coveredMetadataJson, GENESIS_LINK } from '../../ledger/link.js';
import { StoreUnavailableError } from '../eventStore.js';
import type { PreparedEvent } from '../rules.js';
import { parseSequencePosition } from '../embedded/sequencePosition.js';
import { applyAppend } from './applyAppend.js';
import { prepareStatements } from './statements.js';

/** Another connection (a running service, another command) has the store open. */
export class StoreInUseError extends StoreUnavailableError {
  constructor(path: string) {
    super(`the event store at ${path} is in use by another process (stop the service first)`);
    this.name = 'StoreInUseError';
  }
}

export interface RewritableEvent {
  readonly streamName: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly data: Buffer;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface Replacement {
  readonly data: Uint8Array;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface RewrittenStream {
  readonly streamName: string;
  readonly headRevision: number;
  readonly oldHeadLink: string;
  readonly newHeadLink: string;
  /** Revisions whose data and metadata were replaced, ascending. */
  readonly replaced: readonly number[];
}

export interface InPlaceRewriteOptions {
  /** The log must still end here (nothing was appended since the caller planned the rewrite). */
  readonly expectedHead: string;
  readonly transform: (event: RewritableEvent) => Replacement | undefined;
  /** The record appended in the same transaction, given what changed. */
  readonly record: (streams: readonly RewrittenStream[]) => {
    readonly streamName: string;
    readonly event: PreparedEvent;
  };
  readonly recordedAt: string;
}

export interface InPlaceRewriteResult {
  readonly streams: readonly RewrittenStream[];
  readonly recordPosition: string;
}

/**
 * Opens the store file with an exclusive lock held until close (`locking_mode = EXCLUSIVE`, no
 * busy wait): fails with {@link StoreInUseError} while any other connection has it open, and
 * keeps every other process out until closed.
 */
export function openExclusively(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')) {
      throw new StoreInUseError(path);
    }
    throw new StoreUnavailableError(`cannot open the event store at ${path}`, { cause: error });
  }
}

interface Row {
  position: number;
  revision: number;
  id: string;
  type: string;
  data: Buffer;
  metadata: string;
  link: string | null;
}

/** Runs the rewrite; undefined (and nothing written) when `transform` replaced nothing. */
export function rewriteInPlace(
  db: Database.Database,
  options: InPlaceRewriteOptions,
): InPlaceRewriteResult | undefined {
  db.pragma('secure_delete = ON');
  const result = db
    .transaction(() => {
      const head = db.prepare('SELECT max(position) FROM events').pluck().get() as number | null;
      if (head !== parseSequencePosition(options.expectedHead)) {
        throw new StoreUnavailableError(
          `the event store changed since the rewrite was planned (it ends at ${String(head)}, ` +
            `not ${options.expectedHead}): is the service running?`,
        );
      }
      const triggers = db
        .prepare<[], { name: string; sql: string }>(
          `SELECT name, sql FROM sqlite_schema
            WHERE type = 'trigger' AND name IN ('events_no_update', 'streams_only_grow')`,
        )
        .all();
      for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
      const streams = rewriteStreams(db, options.transform);
      for (const trigger of triggers) db.exec(trigger.sql);
      if (streams.length === 0) return undefined;
      const { streamName, event } = options.record(streams);
      const appended = applyAppend(
        prepareStatements(db),
        { streamName, events: [event], expected: 'any' },
        options.recordedAt,
      );
      return { streams, recordPosition: appended.position };
    })
    .exclusive();
  if (result !== undefined) {
    // Committed: VACUUM rewrites every page, so no free or partly reused page keeps old bytes,
    // then the WAL frames holding them are copied back and the WAL emptied (TRUNCATE).
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return result;
}

function rewriteStreams(
  db: Database.Database,
  transform: InPlaceRewriteOptions['transform'],
): RewrittenStream[] {
  const names = db.prepare('SELECT stream FROM streams ORDER BY stream').pluck().all() as string[];
  const read = db.prepare<[string], Row>(
    `SELECT position, revision, id, type, data, metadata, link FROM events
      WHERE stream = ? ORDER BY revision`,
  );
  const update = db.prepare(
    'UPDATE events SET data = ?, metadata = ?, link = ?, data_sha256 = ? WHERE position = ?',
  );
  const setHead = db.prepare('UPDATE streams SET head_link = ? WHERE stream = ?');
  const rewritten: RewrittenStream[] = [];
  for (const streamName of names) {
    let oldLink = GENESIS_LINK;
    let newLink = GENESIS_LINK;
    let headRevision = -1;
    const replaced: number[] = [];
    for (const row of read.all(streamName)) {
      headRevision = row.revision;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      const linkable = { id: row.id, type: row.type, data: row.data };
      // Events written before the ledger have no stored link: their chain is computed.
      oldLink =
        row.link ??
        linkEvent(
          streamName,
          row.revision,
          { ...linkable, metadataJson: coveredMetadataJson(metadata) },
          oldLink,
        ).link;
      const replacement = transform({ ...linkable, streamName, revision: row.revision, metadata });
      if (replacement === undefined && replaced.length === 0) {
        newLink = oldLink;
        continue;
      }
      if (replacement !== undefined) replaced.push(row.revision);
      const data = replacement?.data ?? row.data;
      const metadataText =
        replacement === undefined ? row.metadata : canonicalJson(replacement.metadata);
      const fields = linkEvent(
        streamName,
        row.revision,
        {
          id: row.id,
          type: row.type,
          data,
          metadataJson: coveredMetadataJson(replacement?.metadata ?? metadata),
        },
        newLink,
      );
      newLink = fields.link;
      const linked = row.link !== null;
      update.run(
        data,
        metadataText,
        linked ? fields.link : null,
        linked ? fields.dataSha256 : null,
        row.position,
      );
    }
    if (replaced.length > 0) {
      setHead.run(newLink, streamName);
      rewritten.push({
        streamName,
        headRevision,
        oldHeadLink: oldLink,
        newHeadLink: newLink,
        replaced,
      });
    }
  }
  return rewritten;
}
