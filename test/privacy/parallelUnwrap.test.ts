import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { KeyReadAhead, READ_AHEAD_AFTER } from '../../src/privacy/keyReadAhead.js';
import type { KeyRow } from '../../src/privacy/keyRecords.js';
import { openKeyStore, type KeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf, unwrapDataKey } from '../../src/privacy/masterKey.js';
import { ParallelUnwrap, UNWRAP_CHUNK } from '../../src/privacy/parallelUnwrap.js';

const master = masterKeyOf(Buffer.alloc(32, 1));
const otherMaster = masterKeyOf(Buffer.alloc(32, 2));

/** A key store file with `count` subjects' keys; their key ids in creation order. */
async function storeWithKeys(t: Test, count: number): Promise<{ path: string; ids: string[] }> {
  const path = join(t.testdir({}), 'keys.db');
  const keys = openKeyStore({ path, master });
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) => keys.keyForAppend(`c-${i}`)),
  );
  keys.close();
  return { path, ids: created.map((key) => key.keyId) };
}

function rowsOf(path: string): KeyRow[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT * FROM data_keys ORDER BY rowid').all() as KeyRow[];
  db.close();
  return rows;
}

/** A reader of `path` and a store that never reads ahead (a cache of one key): the reference. */
function readers(t: Test, path: string): { reader: KeyStore; byId: KeyStore } {
  const reader = openKeyStore({ path, master, readOnly: true });
  const byId = openKeyStore({ path, master, readOnly: true, cacheSize: 1 });
  t.teardown(() => {
    reader.close();
    byId.close();
  });
  return { reader, byId };
}

/** What `lookup` throws, or undefined when it does not. */
function thrown(lookup: () => unknown): Error | undefined {
  try {
    lookup();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

function keyOf(keys: KeyStore, keyId: string, bulk: boolean): Buffer | undefined {
  const found = keys.lookup(keyId, bulk);
  return found.state === 'active' ? found.key.key : undefined;
}

void t.test('the thread unwraps every row it is given as the master key does', async (t) => {
  const { path } = await storeWithKeys(t, UNWRAP_CHUNK + 5);
  const rows = rowsOf(path);
  const delivered = new Map<string, Buffer>();
  await new ParallelUnwrap(master).start(rows, (keyId, key) => delivered.set(keyId, key));
  t.equal(delivered.size, rows.length, 'every key, over more than one chunk');
  for (const row of rows) {
    const expected = unwrapDataKey(master, row.wrapped!, row.subject, row.key_id);
    t.same(delivered.get(row.key_id), expected, `key ${row.key_id}`);
  }
  const memory = new Set([...delivered.values()].map((key) => key.buffer));
  t.equal(memory.size, rows.length, 'each key in memory of its own');
});

void t.test('rows it cannot unwrap are not delivered, and nothing else is held up', async (t) => {
  const { path } = await storeWithKeys(t, 4);
  const [tampered, foreign, ...good] = rowsOf(path);
  const flipped = Buffer.from(tampered!.wrapped!);
  flipped[flipped.length - 1]! ^= 1;
  const rows = [
    { ...tampered!, wrapped: flipped },
    { ...foreign!, master_key_id: 'elsewhere' },
  ];
  const delivered: string[] = [];
  await new ParallelUnwrap(master).start([...rows, ...good], (keyId) => delivered.push(keyId));
  t.same(
    delivered,
    good.map((row) => row.key_id),
    'only the rows that open under this key',
  );
  const none: string[] = [];
  await new ParallelUnwrap(otherMaster).start(good, (keyId) => none.push(keyId));
  t.same(none, [], 'another master key opens none (its id does not match)');
});

void t.test('a cancelled run delivers nothing more', async (t) => {
  const { path } = await storeWithKeys(t, 8);
  const unwrap = new ParallelUnwrap(master);
  const delivered: string[] = [];
  const run = unwrap.start(rowsOf(path), (keyId) => delivered.push(keyId));
  unwrap.cancel();
  await run;
  t.same(delivered, []);
});

void t.test(
  'a bulk read takes its keys from the thread once the rows are read ahead',
  async (t) => {
    const { path, ids } = await storeWithKeys(t, READ_AHEAD_AFTER + 300);
    const { reader, byId } = readers(t, path);
    for (const id of ids.slice(0, READ_AHEAD_AFTER)) keyOf(reader, id, true);
    await reader.unwrapSettled();
    for (const id of ids) t.same(keyOf(reader, id, true), keyOf(byId, id, false), `key ${id}`);
    t.equal(reader.keysUnwrappedAhead, 300, 'every key after the scan came from the thread');
  },
);

void t.test(
  'a key that fails to unwrap fails its lookup as it would without the thread',
  async (t) => {
    const { path, ids } = await storeWithKeys(t, READ_AHEAD_AFTER + 10);
    const bad = ids.at(-1)!;
    const db = new Database(path);
    const { wrapped } = db.prepare('SELECT wrapped FROM data_keys WHERE key_id = ?').get(bad) as {
      wrapped: Buffer;
    };
    wrapped[0]! ^= 1;
    db.prepare('UPDATE data_keys SET wrapped = ? WHERE key_id = ?').run(wrapped, bad);
    db.close();
    const { reader, byId } = readers(t, path);
    for (const id of ids.slice(0, READ_AHEAD_AFTER)) keyOf(reader, id, true);
    await reader.unwrapSettled();
    const expected = thrown(() => byId.lookup(bad));
    t.ok(expected, 'without the thread, the tampered key fails to unwrap');
    const actual = thrown(() => reader.lookup(bad, true));
    t.same(
      { name: actual?.name, message: actual?.message },
      { name: expected?.name, message: expected?.message },
      'with it, the lookup fails the same way',
    );
    t.equal(reader.keysUnwrappedAhead, 0, 'the failed key was not handed out');
  },
);

void t.test(
  'keys of a read-ahead the key store has since dropped are never handed out',
  async (t) => {
    const { path, ids } = await storeWithKeys(t, READ_AHEAD_AFTER + 10);
    const keys = openKeyStore({ path, master });
    t.teardown(() => keys.close());
    for (const id of ids.slice(0, READ_AHEAD_AFTER)) keyOf(keys, id, true);
    // A change of this store's own (erasure begun) drops what was read ahead, while the thread runs.
    keys.beginErasure(`c-${ids.length - 1}`);
    await keys.unwrapSettled();
    const state = keys.lookup(ids.at(-1)!, true).state;
    t.equal(state, 'erasing', 'the erasing key reads as erasing');
    for (const id of ids.slice(READ_AHEAD_AFTER, -1)) keyOf(keys, id, true);
    t.equal(keys.keysUnwrappedAhead, 0);
  },
);

void t.test('keys the thread opened that no lookup took are zeroed when let go', async (t) => {
  const { path, ids } = await storeWithKeys(t, 3);
  const delivered: Buffer[] = [];
  class Watched extends ParallelUnwrap {
    override start(rows: readonly KeyRow[], deliver: (keyId: string, key: Buffer) => void) {
      return super.start(rows, (keyId, key) => {
        delivered.push(key);
        deliver(keyId, key);
      });
    }
  }
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  const ahead = new KeyReadAhead(db, 10, () => false, new Watched(master));
  for (let i = 0; i < READ_AHEAD_AFTER; i++) ahead.missed();
  await ahead.unwrapSettled();
  ahead.take(ids[0]!);
  const taken = ahead.unwrappedKey(ids[0]!)!;
  t.equal(ahead.unwrappedKey(ids[0]!), undefined, 'a key is handed out once');
  ahead.clear();
  t.ok(
    taken.some((byte) => byte !== 0),
    'the key handed out is left alone',
  );
  const left = delivered.filter((key) => key !== taken);
  t.equal(left.length, 2);
  t.ok(
    left.every((key) => key.every((byte) => byte === 0)),
    'the others are zeroed',
  );
});
