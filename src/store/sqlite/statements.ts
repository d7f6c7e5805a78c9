/** Every SQL statement of the adapter, prepared once per connection. */
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../eventStore.js';
import type { PreparedEvent } from '../rules.js';
import type { ChainFields } from '../../ledger/chain.js';
import { fillMissingHeadLinks } from './headLinks.js';
import { toRecorded, type EventRow } from './eventRows.js';
import { preparePageReads } from './pageReads.js';

export interface StoredEventRef {
  readonly position: number;
  readonly revision: number;
}

export interface StreamHead {
  readonly revision: number;
  /** Null for a stream last written before the ledger, or with chaining off (benchmarks). */
  readonly headLink: string | null;
}

/** Larger than any revision: "from the end" for backwards reads. */
const LAST_REVISION = 2n ** 63n - 1n;
/** SQLite's "no limit". */
const NO_LIMIT = -1;

export interface Statements {
  begin(): void;
  commit(): void;
  rollback(): void;
  savepoint(): void;
  releaseSavepoint(): void;
  rollbackToSavepoint(): void;
  findEvent(stream: string, id: string): StoredEventRef | undefined;
  /** Another stream holding the id, if any (ids are unique store-wide). */
  otherStreamOf(id: string, stream: string): string | undefined;
  streamHead(stream: string): StreamHead | undefined;
  /** Computes a missing head link from the stream's content (see headLinks.ts). */
  fillHeadLink(stream: string): void;
  /** Returns the new event's position (rowid). `chain` is undefined with chaining off. */
  insertEvent(
    stream: string,
    revision: number,
    event: PreparedEvent,
    recordedAt: string,
    chain: ChainFields | undefined,
  ): number;
  setStreamHead(stream: string, revision: number, headLink: string | null): void;
  /** With `sharedData`, large pages' events hold views into one buffer (ReadAllOptions). */
  readAll(afterSequence: number, maxCount: number, sharedData?: boolean): RecordedEvent[];
  readStream(
    stream: string,
    direction: 'forwards' | 'backwards',
    fromRevision: bigint | undefined,
    maxCount: number | undefined,
  ): RecordedEvent[];
  headSequence(): number | undefined;
  dataVersion(): number;
}

const COLUMNS =
  'position, stream, revision, id, type, data, metadata, recorded_at, link, data_sha256';

export function prepareStatements(db: Database.Database): Statements {
  const control = (sql: string): (() => void) => {
    const statement = db.prepare(sql);
    return () => void statement.run();
  };
  const findEvent = db.prepare<[string, string], StoredEventRef>(
    'SELECT position, revision FROM events WHERE stream = ? AND id = ?',
  );
  const otherStreamOf = db
    .prepare<[string, string], string>(
      'SELECT stream FROM events WHERE id = ? AND stream <> ? LIMIT 1',
    )
    .pluck();
  const streamHead = db.prepare<[string], StreamHead>(
    'SELECT revision, head_link AS headLink FROM streams WHERE stream = ?',
  );
  const insertEvent = db.prepare<
    [string, number, string, string, Uint8Array, string, string, string | null, string | null]
  >(
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, link, data_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const setStreamHead = db.prepare<[string, number, string | null]>(
    `INSERT INTO streams (stream, revision, head_link) VALUES (?, ?, ?)
     ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, head_link = excluded.head_link`,
  );
  const readAll = db
    .prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    )
    .raw();
  const readForwards = db
    .prepare<[string, bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ?
       ORDER BY revision LIMIT ?`,
    )
    .raw();
  const readBackwards = db
    .prepare<[string, bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ?
       ORDER BY revision DESC LIMIT ?`,
    )
    .raw();
  const head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

  return {
    begin: control('BEGIN IMMEDIATE'),
    commit: control('COMMIT'),
    rollback: control('ROLLBACK'),
    savepoint: control('SAVEPOINT append'),
    releaseSavepoint: control('RELEASE append'),
    rollbackToSavepoint: control('ROLLBACK TO append'),
    findEvent: (stream, id) => findEvent.get(stream, id),
    otherStreamOf: (id, stream) => otherStreamOf.get(id, stream),
    streamHead: (stream) => streamHead.get(stream),
    fillHeadLink: (stream) => void fillMissingHeadLinks(db, stream),
    insertEvent(stream, revision, event, recordedAt, chain) {
      const { lastInsertRowid } = insertEvent.run(
        stream,
        revision,
        event.id,
        event.type,
        event.data,
        event.metadataJson,
        recordedAt,
        chain?.link ?? null,
        chain?.dataSha256 ?? null,
      );
      return Number(lastInsertRowid);
    },
    setStreamHead: (stream, revision, headLink) =>
      void setStreamHead.run(stream, revision, headLink),
    readAll: preparePageReads(db, (afterSequence, maxCount) =>
      readAll.all(afterSequence, maxCount).map(toRecorded),
    ),
    readStream(stream, direction, fromRevision, maxCount) {
      const limit = maxCount ?? NO_LIMIT;
      // Clamped so a revision past SQLite's 64-bit range reads as "past the end", not an error.
      const from =
        fromRevision === undefined || fromRevision > LAST_REVISION ? undefined : fromRevision;
      if (direction === 'forwards' && fromRevision !== undefined && from === undefined) return [];
      const rows =
        direction === 'forwards'
          ? readForwards.all(stream, from ?? 0n, limit)
          : readBackwards.all(stream, from ?? LAST_REVISION, limit);
      return rows.map(toRecorded);
    },
    headSequence: () => head.get() ?? undefined,
    dataVersion: () => dataVersion.get()!,
  };
}
