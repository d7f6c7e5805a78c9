import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createCheckpointer } from '../../src/ledger/checkpointer.js';
import {
  CHECKPOINT_STREAM,
  checkpointHash,
  checkpointJson,
  GENESIS_CHECKPOINT_HASH,
  parseCheckpoint,
  signatureValid,
  type Checkpoint,
} from '../../src/ledger/checkpointFormat.js';
import { headLinkOf } from '../../src/ledger/chain.js';
import { merkleRoot } from '../../src/ledger/merkle.js';
import { generateSigningKeyBase64, parseSigningKey } from '../../src/ledger/signingKey.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { openKurrentDbEventStore } from '../../src/store/kurrentDbEventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { freshStream, newEvents } from '../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

const key = parseSigningKey(generateSigningKeyBase64());

/**
 * Two stores on one file, as two processes would have (the second opens a migrated file).
 * The file lives in `dir` (t.testdir() once per test: a second call empties it).
 */
async function twoSqliteStores(t: Test, dir: string): Promise<[EventStore, EventStore]> {
  const path = join(dir, 'events.db');
  const a = openSqliteEventStore({ path });
  await a.checkWritable();
  const b = openSqliteEventStore({ path });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

/** The checkpoint stream as stored, checked to be one unforked chain. */
async function storedChain(t: Test, store: EventStore): Promise<Checkpoint[]> {
  const events = await store.readStream(CHECKPOINT_STREAM);
  const chain = events.map((event) => parseCheckpoint(event.data.toString('utf8')));
  chain.forEach((checkpoint, index) => {
    const before = chain[index - 1];
    t.equal(
      checkpoint.previousHash,
      before === undefined ? GENESIS_CHECKPOINT_HASH : checkpointHash(before),
      `checkpoint ${index} chains to the one before it`,
    );
    if (before !== undefined) t.ok(checkpoint.position > before.position, 'positions advance');
  });
  return chain;
}

async function twoWritersRace(
  t: Test,
  dir: string,
  stores: [EventStore, EventStore],
): Promise<void> {
  await stores[0].appendToStream(freshStream('race'), newEvents(3));
  await stores[1].appendToStream(freshStream('race'), newEvents(2));
  const [a, b] = stores.map((store, index) =>
    createCheckpointer({ store, key, sink: join(dir, `sink-${index}.ndjson`) }),
  );
  const made = await Promise.all([
    a!.checkpoint({ force: true }),
    b!.checkpoint({ force: true }),
    a!.checkpoint({ force: true }),
    b!.checkpoint({ force: true }),
  ]);
  const chain = await storedChain(t, stores[0]);
  const stored = new Set(chain.map(checkpointHash));
  for (const checkpoint of made) {
    t.ok(checkpoint && stored.has(checkpointHash(checkpoint)), 'every checkpoint made is stored');
  }
  // Two instances signing in the same millisecond make the same checkpoint (Ed25519 is
  // deterministic): its id derives from its hash, so the second append is a duplicate.
  const distinct = new Set(made.map((c) => checkpointHash(c!)));
  t.equal(chain.length, distinct.size, 'the chain holds each checkpoint made, once');
  t.ok(distinct.size >= 2, 'both writers checkpointed');
  const sunk = [0, 1].flatMap((index) =>
    readFileSync(join(dir, `sink-${index}.ndjson`), 'utf8')
      .trim()
      .split('\n'),
  );
  t.same(sunk.sort(), made.map((c) => checkpointJson(c!)).sort(), 'each sink holds its own');
}

void t.test('two writers racing on one SQLite file never fork the checkpoint chain', async (t) => {
  const dir = t.testdir();
  await twoWritersRace(t, dir, await twoSqliteStores(t, dir));
});

void t.test('two writers racing on KurrentDB (gRPC double) never fork the chain', async (t) => {
  const { store, openAnother } = await storeOverDouble(t);
  await twoWritersRace(t, t.testdir(), [store, openAnother()]);
});

const serverUrl = process.env.KURRENTDB_URL;
void t.test(
  'two writers racing on a real KurrentDB server never fork the chain',
  { skip: serverUrl ? false : 'KURRENTDB_URL is not set; no KurrentDB server runs here' },
  async (t) => {
    const stores = [0, 1].map(() => openKurrentDbEventStore({ connectionString: serverUrl! }));
    t.teardown(() => Promise.all(stores.map((store) => store.close())));
    await twoWritersRace(t, t.testdir(), stores as [EventStore, EventStore]);
  },
);

void t.test(
  'a checkpoint signs the Merkle root of every stream head as of its position',
  async (t) => {
    const [store] = await twoSqliteStores(t, t.testdir());
    const streams = [freshStream('a'), freshStream('b')];
    await store.appendToStream(streams[0]!, newEvents(2));
    await store.appendToStream(streams[1]!, newEvents(1));
    const sink = join(t.testdir(), 'checkpoints.ndjson');
    const checkpointer = createCheckpointer({ store, key, sink });
    const first = (await checkpointer.checkpoint())!;
    const heads = await Promise.all(
      streams.map(async (streamName) => {
        const events = await store.readStream(streamName);
        return { streamName, revision: events.at(-1)!.revision, link: headLinkOf(events) };
      }),
    );
    t.equal(first.merkleRoot, merkleRoot(heads));
    t.equal(first.streams, 2);
    t.equal(first.position, (await store.readStream(streams[1]!))[0]!.position);
    t.equal(first.previousHash, GENESIS_CHECKPOINT_HASH);
    t.equal(first.publicKeySha256, key.publicKeySha256);
    t.ok(signatureValid(first, key.publicKey));
    t.equal(statSync(sink).mode & 0o777, 0o600, 'the sink is readable by its owner only');
    t.equal(readFileSync(sink, 'utf8'), `${checkpointJson(first)}\n`);

    t.equal(await checkpointer.checkpoint(), undefined, 'nothing appended since: no checkpoint');
    await store.appendToStream(streams[0]!, newEvents(1));
    const second = (await checkpointer.checkpoint())!;
    t.equal(second.previousHash, checkpointHash(first));
    t.equal(second.streams, 3, 'the checkpoint stream itself is a stream of the log');
    await storedChain(t, store);
  },
);

void t.test('the signature covers every field of the checkpoint', async (t) => {
  const [store] = await twoSqliteStores(t, t.testdir());
  await store.appendToStream(freshStream(), newEvents(1));
  const checkpoint = (await createCheckpointer({ store, key }).checkpoint())!;
  const other = parseSigningKey(generateSigningKeyBase64());
  t.notOk(signatureValid(checkpoint, other.publicKey), 'another key does not verify it');
  const variants: Checkpoint[] = [
    { ...checkpoint, position: checkpoint.position.replace(/.$/, '9') },
    { ...checkpoint, streams: checkpoint.streams + 1 },
    { ...checkpoint, merkleRoot: '1'.repeat(64) },
    { ...checkpoint, previousHash: '1'.repeat(64) },
    { ...checkpoint, createdAt: '2000-01-01T00:00:00.000Z' },
    { ...checkpoint, publicKeySha256: '1'.repeat(64) },
    { ...checkpoint, chainedAfterTheFact: { count: 1, firstPosition: '1', lastPosition: '1' } },
  ];
  for (const variant of variants) t.notOk(signatureValid(variant, key.publicKey));
  t.throws(() => parseCheckpoint(JSON.stringify({ ...checkpoint, extra: 1 })), /unknown field/);
  t.throws(() => parseCheckpoint(JSON.stringify({ ...checkpoint, version: 'v0' })));
  t.same(parseCheckpoint(checkpointJson(checkpoint)), checkpoint);
});

void t.test('an empty store has nothing to checkpoint', async (t) => {
  const [store] = await twoSqliteStores(t, t.testdir());
  t.equal(await createCheckpointer({ store, key }).checkpoint({ force: true }), undefined);
});
