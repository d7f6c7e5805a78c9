/**
 * Failure paths of group commit that a real SQLite file cannot be made to produce on demand
 * (a COMMIT that fails, SQLite abandoning the whole transaction mid-batch). The statements
 * are a recording fake for that reason; the errors are better-sqlite3's real SqliteError.
 * The happy paths and rejected appends run against real files in sqliteEventStore.test.ts.
 */
import Database from 'better-sqlite3';
import t from 'tap';
import { StoreUnavailableError, type AppendResult } from '../../../src/store/eventStore.js';
import type { AppendRequest } from '../../../src/store/sqlite/applyAppend.js';
import { createGroupCommit } from '../../../src/store/sqlite/groupCommit.js';
import type { Statements } from '../../../src/store/sqlite/statements.js';

function fakeStatements(failOn: 'commit' | 'none' = 'none') {
  const calls: string[] = [];
  let inTransaction = false;
  const statements = {
    begin: () => {
      calls.push('begin');
      inTransaction = true;
    },
    commit: () => {
      calls.push('commit');
      if (failOn === 'commit') throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
      inTransaction = false;
    },
    rollback: () => {
      calls.push('rollback');
      inTransaction = false;
    },
    savepoint: () => calls.push('savepoint'),
    releaseSavepoint: () => calls.push('release'),
    rollbackToSavepoint: () => calls.push('rollback to'),
  } as unknown as Statements;
  return {
    statements,
    calls,
    isInTransaction: () => inTransaction,
    dropTransaction: () => (inTransaction = false),
  };
}

const request = (streamName: string): AppendRequest => ({
  streamName,
  events: [{ id: 'id', type: 't', data: Buffer.from('x'), metadataJson: '{}' }],
  expected: 'any',
});
const ok: AppendResult = { nextExpectedRevision: 0n, position: '1', duplicate: false };

void t.test(
  'a failing COMMIT rejects every append of the batch with StoreUnavailableError',
  async (t) => {
    const fake = fakeStatements('commit');
    let announced = 0;
    const groupCommit = createGroupCommit({
      ...fake,
      apply: () => ok,
      maxBatchSize: 500,
      clock: () => new Date(),
      afterCommit: () => (announced += 1),
      onCommit: () => (announced += 1),
    });
    const outcomes = await Promise.allSettled([
      groupCommit.enqueue(request('a')),
      groupCommit.enqueue(request('b')),
    ]);
    for (const outcome of outcomes) {
      t.ok(
        outcome.status === 'rejected' && outcome.reason instanceof StoreUnavailableError,
        'the append is refused as store-unavailable',
      );
    }
    t.match(
      String((outcomes[0] as PromiseRejectedResult).reason),
      /SQLITE_IOERR/,
      'naming the code',
    );
    t.equal(fake.calls.at(-1), 'rollback', 'the transaction is rolled back');
    t.equal(announced, 0, 'no commit is announced to subscribers or metrics');
    t.equal(groupCommit.stats().failedBatches, 1, 'the failure is counted');
  },
);

void t.test(
  'when SQLite abandons the transaction mid-batch, no append of the batch succeeds',
  async (t) => {
    const fake = fakeStatements();
    const groupCommit = createGroupCommit({
      ...fake,
      apply: (appendRequest) => {
        if (appendRequest.streamName !== 'full') return ok;
        fake.dropTransaction();
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      },
      maxBatchSize: 500,
      clock: () => new Date(),
      afterCommit: () => undefined,
    });
    const outcomes = await Promise.allSettled(
      ['a', 'full', 'b'].map((stream) => groupCommit.enqueue(request(stream))),
    );
    t.strictSame(
      outcomes.map((outcome) => outcome.status),
      ['rejected', 'rejected', 'rejected'],
      'the appends before and after the failure are refused too',
    );
    t.ok(
      outcomes.every((o) => o.status === 'rejected' && o.reason instanceof StoreUnavailableError),
      'all as store-unavailable',
    );
    t.notOk(fake.calls.includes('commit'), 'nothing is committed');
  },
);
