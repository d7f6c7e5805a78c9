import Database from 'better-sqlite3';
import t from 'tap';
import {
  EventIdInOtherStreamError,
  EventStoreError,
  IdempotencyConflictError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamRevisionConflictError,
} from '../../../src/store/eventStore.js';
import { sqliteCode } from '../../../src/store/sqlite/sqliteErrors.js';
import { fromWireError, toWireError } from '../../../src/store/sqlite/writerProtocol.js';

/** What the writer thread's answers go through: a structured clone between threads. */
function acrossThreads(error: EventStoreError): EventStoreError {
  return fromWireError(structuredClone(toWireError(error)));
}

void t.test('port errors cross the thread boundary with their class and fields', (t) => {
  const revision = acrossThreads(new StreamRevisionConflictError('s', 4n, 'no_stream'));
  t.type(revision, StreamRevisionConflictError);
  t.match(revision, { streamName: 's', expected: 4n, actual: 'no_stream' });
  t.equal(revision.message, new StreamRevisionConflictError('s', 4n, 'no_stream').message);

  const idempotency = acrossThreads(new IdempotencyConflictError('s', ['a', 'b']));
  t.type(idempotency, IdempotencyConflictError);
  t.match(idempotency, { streamName: 's', existingIds: ['a', 'b'] });

  const elsewhere = acrossThreads(new EventIdInOtherStreamError('s', 'id-1', 'other'));
  t.type(elsewhere, EventIdInOtherStreamError);
  t.match(elsewhere, { streamName: 's', eventId: 'id-1', existingStream: 'other' });

  const invalid = acrossThreads(new InvalidAppendError('append to s has no events'));
  t.type(invalid, InvalidAppendError);
  t.equal(invalid.message, 'append to s has no events');

  const base = acrossThreads(new EventStoreError('something else'));
  t.equal(base.constructor, EventStoreError, 'a plain EventStoreError stays one');
  t.equal(base.message, 'something else');
  t.end();
});

void t.test('an unavailable store keeps the SQLite code of its cause for the logs', (t) => {
  const cause = new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  const sqlite = acrossThreads(
    new StoreUnavailableError('event store commit failed (SQLITE_BUSY)', { cause }),
  );
  t.type(sqlite, StoreUnavailableError);
  t.equal(sqlite.message, 'event store commit failed (SQLITE_BUSY)');
  t.equal(sqliteCode(sqlite), 'SQLITE_BUSY', 'the code is still found through the cause');

  const other = acrossThreads(
    new StoreUnavailableError('event store closed', { cause: new Error('not sqlite') }),
  );
  t.type(other, StoreUnavailableError);
  t.equal((other.cause as Error).message, 'not sqlite', 'other causes keep their message');
  t.equal(sqliteCode(other), undefined);
  t.end();
});
