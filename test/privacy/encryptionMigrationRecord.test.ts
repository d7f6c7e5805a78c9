import t from 'tap';
import {
  inRanges,
  parseEncryptionMigration,
  toRanges,
} from '../../src/privacy/encryptionMigrationRecord.js';

void t.test('re-encrypted revisions are recorded as inclusive ranges', async (t) => {
  t.same(toRanges([0, 1, 2, 3]), [[0, 3]], 'a stream encrypted whole is one range');
  t.same(toRanges([0, 2, 3, 7]), [
    [0, 0],
    [2, 3],
    [7, 7],
  ]);
  t.same(toRanges([]), []);
  t.ok(inRanges([[2, 3]], 3));
  t.notOk(inRanges([[2, 3]], 4));
});

void t.test('a malformed record is refused naming the field', async (t) => {
  const valid = {
    encryptedAt: '2026-12-04T00:00:00.000Z',
    beforeCheckpoint: { position: '1', merkleRoot: 'a'.repeat(64), hash: 'b'.repeat(64) },
    alreadyEncrypted: 0,
    reEncrypted: 1,
    streams: [
      {
        stream: 'customer-c',
        headRevision: 0,
        oldHeadLink: 'c'.repeat(64),
        newHeadLink: 'd'.repeat(64),
        firstChangedRevision: 0,
        reEncrypted: 1,
        revisions: [[0, 0]],
      },
    ],
  };
  t.same(parseEncryptionMigration(JSON.stringify(valid)), valid);
  t.throws(() => parseEncryptionMigration('{'), /is not JSON/);
  t.throws(
    () => parseEncryptionMigration(JSON.stringify({ ...valid, beforeCheckpoint: {} })),
    /no valid "beforeCheckpoint"/,
  );
  t.throws(
    () =>
      parseEncryptionMigration(
        JSON.stringify({ ...valid, streams: [{ ...valid.streams[0], revisions: [[2, 1]] }] }),
      ),
    /no valid "streams\[0\]"/,
  );
});
