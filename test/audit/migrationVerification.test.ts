/**
 * The migration check on hand-built events: the old chain recomputed from re-encrypted events
 * gives the recorded old head and the before-checkpoint's root; anything else is named.
 */
import t from 'tap';
import { createMigrationChecker } from '../../src/audit/migrationVerification.js';
import { computeLink, GENESIS_LINK, sha256Hex } from '../../src/ledger/link.js';
import { merkleRoot } from '../../src/ledger/merkle.js';
import type { EncryptionMigrationRecord } from '../../src/privacy/encryptionMigrationRecord.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';

const pos = (n: number) => String(n).padStart(20, '0');
const STREAM = 'customer-x';

interface Stored {
  streamName: string;
  revision: number;
  position: number;
  data: string;
  metadata: Record<string, unknown>;
}

/** Events as stored, each linked to the one before it in its stream. */
function chain(stored: Stored[]): RecordedEvent[] {
  const heads = new Map<string, string>();
  return stored.map((s) => {
    const data = Buffer.from(s.data);
    const id = `00000000-0000-5000-8000-${String(s.position).padStart(12, '0')}`;
    const dataSha256 = sha256Hex(data);
    const link = computeLink({
      streamName: s.streamName,
      revision: s.revision,
      eventId: id,
      type: 't',
      dataSha256,
      metadataJson: JSON.stringify(s.metadata),
      previousLink: heads.get(s.streamName) ?? GENESIS_LINK,
    });
    heads.set(s.streamName, link);
    return {
      streamName: s.streamName,
      revision: BigInt(s.revision),
      position: pos(s.position),
      id,
      type: 't',
      data,
      metadata: s.metadata,
      recordedAt: new Date(0),
      link,
      dataSha256,
    };
  });
}

const encryption = (plain: string) => ({
  encryption: { alg: 'A256GCM', keyId: 'k', plaintextSha256: sha256Hex(plain), subject: 'x' },
});

const before = chain([
  { streamName: STREAM, revision: 0, position: 1, data: 'p0', metadata: {} },
  { streamName: STREAM, revision: 1, position: 2, data: 'p1', metadata: {} },
  { streamName: 'notes', revision: 0, position: 3, data: 'n', metadata: {} },
]);
const oldHead = before[1]!.link!;
const beforeRoot = merkleRoot([
  { streamName: STREAM, revision: 1, link: oldHead },
  { streamName: 'notes', revision: 0, link: before[2]!.link! },
]);

function record(overrides: Partial<EncryptionMigrationRecord['migration']> = {}) {
  return {
    position: pos(5),
    migration: {
      encryptedAt: '2026-12-04T00:00:00.000Z',
      beforeCheckpoint: { position: pos(3), merkleRoot: beforeRoot, hash: 'a'.repeat(64) },
      alreadyEncrypted: 0,
      reEncrypted: 2,
      streams: [
        {
          stream: STREAM,
          headRevision: 1,
          oldHeadLink: oldHead,
          newHeadLink: '',
          firstChangedRevision: 0,
          reEncrypted: 2,
          revisions: [[0, 1]] as [number, number][],
        },
      ],
      ...overrides,
    },
  };
}

function run(events: RecordedEvent[], rec: EncryptionMigrationRecord) {
  const checker = createMigrationChecker(rec);
  const messages: string[] = [];
  for (const event of events) {
    messages.push(...checker.observe(event, event.link!).map((f) => f.message));
  }
  messages.push(...checker.finish().map((f) => f.message));
  return { messages, heads: checker.headsFor(pos(3)) };
}

void t.test(
  'the recorded re-encryption is accepted, and old checkpoints see the old heads',
  async (t) => {
    const after = chain([
      { streamName: STREAM, revision: 0, position: 1, data: 'c0', metadata: encryption('p0') },
      { streamName: STREAM, revision: 1, position: 2, data: 'c1', metadata: encryption('p1') },
      { streamName: 'notes', revision: 0, position: 3, data: 'n', metadata: {} },
    ]);
    const { messages, heads } = run(after, record());
    t.same(messages, []);
    t.equal(heads?.root(), beforeRoot, 'a checkpoint before the record checks the old heads');
    t.equal(
      createMigrationChecker(record()).headsFor(pos(6)),
      undefined,
      'a later one the current',
    );
  },
);

void t.test('what the record does not account for is named', async (t) => {
  const partly = chain([
    { streamName: STREAM, revision: 0, position: 1, data: 'c0', metadata: encryption('p0') },
    { streamName: STREAM, revision: 1, position: 2, data: 'p1', metadata: {} },
    { streamName: 'notes', revision: 0, position: 3, data: 'n', metadata: {} },
  ]);
  // Its old form is its current one: only the listing is wrong, and both checks name it.
  t.match(run(partly, record()).messages, [
    /customer-x revision 1 is listed as re-encrypted by the migration but is not encrypted/,
    /1 events before the migration record are encrypted, the record accounts for 2/,
  ]);

  const extra = chain([
    { streamName: STREAM, revision: 0, position: 1, data: 'c0', metadata: encryption('p0') },
    { streamName: STREAM, revision: 1, position: 2, data: 'c1', metadata: encryption('p1') },
    { streamName: 'notes', revision: 0, position: 3, data: 'c', metadata: encryption('n') },
  ]);
  t.match(run(extra, record()).messages, [
    /Merkle root/,
    /3 events before the migration record are encrypted, the record accounts for 2 \(0 already encrypted, 2 re-encrypted\)/,
  ]);

  const after = chain([
    { streamName: STREAM, revision: 0, position: 1, data: 'c0', metadata: encryption('p0') },
    { streamName: STREAM, revision: 1, position: 2, data: 'c1', metadata: encryption('p1') },
    { streamName: 'notes', revision: 0, position: 3, data: 'n', metadata: {} },
  ]);
  t.match(run(after, record({ reEncrypted: 3 })).messages, [
    /streams count 2 re-encrypted events, its total says 3/,
    /the record accounts for 3/,
  ]);
});
