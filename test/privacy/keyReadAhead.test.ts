import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { KeyReadAhead, LET_GO_AFTER, READ_AHEAD_AFTER } from '../../src/privacy/keyReadAhead.js';
import { openKeyStore, type KeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';

const master = masterKeyOf(Buffer.alloc(32, 1));

/** A key store with `count` subjects' keys; returns their key ids in creation order. */
async function storeWithKeys(path: string, count: number): Promise<string[]> {
  const keys = openKeyStore({ path, master });
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) => keys.keyForAppend(`c-${i}`)),
  );
  keys.close();
  return created.map((key) => key.keyId);
}

/** A read-ahead over a fresh store of three subjects' keys, for a cache of `capacity`. */
async function readAheadOf(
  t: Test,
  capacity: number,
): Promise<{ ids: string[]; ahead: KeyReadAhead }> {
  const path = join(t.testdir({}), 'keys.db');
  const ids = await storeWithKeys(path, 3);
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  return { ids, ahead: new KeyReadAhead(db, capacity, () => false) };
}

/** Looks up every id but `spared`, enough to start the read-ahead. */
function missMany(t: Test, keys: KeyStore, ids: readonly string[], spared: string): void {
  for (const id of ids) if (id !== spared) keys.lookup(id, true);
  t.equal(keys.keysReadAhead, 1, 'only the spared key is left read ahead');
}

void t.test('the rows are read in one scan only after enough misses', async (t) => {
  const { ids, ahead } = await readAheadOf(t, 10);
  for (let i = 1; i < READ_AHEAD_AFTER; i++) ahead.missed();
  t.equal(ahead.take(ids[0]!), undefined, 'nothing is read before the threshold');
  ahead.missed();
  t.equal(ahead.take(ids[0]!)?.key_id, ids[0], 'then every row is there');
  t.equal(ahead.take(ids[0]!), undefined, "a live key's row is handed out once");
  t.equal(ahead.take(ids[1]!)?.subject, 'c-1');
  ahead.clear();
  t.equal(ahead.take(ids[2]!), undefined, 'a clear drops what was read');
});

void t.test('only the lookups of bulk reads start the scan', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const ids = await storeWithKeys(path, READ_AHEAD_AFTER + 10);
  const keys = openKeyStore({ path, master, readOnly: true });
  t.teardown(() => keys.close());
  for (const id of ids) keys.lookup(id);
  t.equal(keys.keysReadAhead, 0, 'single lookups, however many, read nothing ahead');
  const again = openKeyStore({ path, master, readOnly: true });
  t.teardown(() => again.close());
  for (const id of ids.slice(0, READ_AHEAD_AFTER)) again.lookup(id, true);
  t.equal(keys.keysReadAhead, 0);
  t.equal(again.keysReadAhead, 10, 'a bulk read reads the rest ahead');
});

void t.test('lookups within one turn of the event loop count as one turn', async (t) => {
  const { ids, ahead } = await readAheadOf(t, 10);
  for (let i = 0; i < READ_AHEAD_AFTER; i++) ahead.missed();
  ahead.lookupIn(0);
  // Many lookups in each turn, none taking a row: LET_GO_AFTER turns, not lookups, let go.
  for (let turn = 1; turn < LET_GO_AFTER; turn++) {
    for (let i = 0; i < 2 * LET_GO_AFTER; i++) ahead.lookupIn(turn);
  }
  t.equal(ahead.take(ids[0]!)?.key_id, ids[0], 'kept through fewer idle turns than the bound');
});

void t.test('rows unused for LET_GO_AFTER turns with lookups are let go', async (t) => {
  const { ids, ahead } = await readAheadOf(t, 10);
  for (let i = 0; i < READ_AHEAD_AFTER; i++) ahead.missed();
  for (let turn = 1; turn < LET_GO_AFTER; turn++) ahead.newTurn();
  t.equal(ahead.take(ids[0]!)?.key_id, ids[0], 'kept through fewer idle turns than the bound');
  for (let turn = 1; turn < LET_GO_AFTER; turn++) ahead.newTurn();
  t.equal(ahead.take(ids[1]!)?.key_id, ids[1], 'a take starts the count again');
  for (let turn = 0; turn <= LET_GO_AFTER; turn++) ahead.newTurn();
  t.equal(ahead.take(ids[2]!), undefined, 'let go after that many turns that took none');
  for (let i = 0; i < READ_AHEAD_AFTER; i++) ahead.missed();
  t.equal(ahead.take(ids[2]!)?.key_id, ids[2], 'and read again by the next bulk read');
});

void t.test('a store with more keys than the cache holds is not read ahead', async (t) => {
  const { ids, ahead } = await readAheadOf(t, 2);
  for (let i = 0; i < READ_AHEAD_AFTER; i++) ahead.missed();
  t.equal(ahead.take(ids[0]!), undefined);
});

void t.test('a read-ahead reader answers every key as lookups by id would', async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const ids = await storeWithKeys(path, READ_AHEAD_AFTER + 20);
  const reader = openKeyStore({ path, master, readOnly: true });
  // A cache of one key: more keys than it holds, so never read ahead; a query per lookup.
  const byId = openKeyStore({ path, master, readOnly: true, cacheSize: 1 });
  t.teardown(() => {
    reader.close();
    byId.close();
  });
  for (const id of ids) {
    const ahead = reader.lookup(id, true);
    const direct = byId.lookup(id);
    t.equal(ahead.state, 'active');
    if (ahead.state !== 'active' || direct.state !== 'active') continue;
    t.same(ahead.key, direct.key, `key ${id}`);
  }
});

void t.test(
  'a key destroyed by another process after the read-ahead reads as destroyed',
  async (t) => {
    const path = join(t.testdir({}), 'keys.db');
    const ids = await storeWithKeys(path, READ_AHEAD_AFTER + 10);
    const spared = ids.at(-1)!;
    const service = openKeyStore({ path, master });
    const cli = openKeyStore({ path, master });
    t.teardown(() => {
      service.close();
      cli.close();
    });
    missMany(t, service, ids, spared);
    cli.beginErasure(`c-${ids.length - 1}`);
    cli.destroy(`c-${ids.length - 1}`);
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(service.lookup(spared).state, 'destroyed', 'not the active row read before');
  },
);

void t.test("this store's own erasure steps are seen after the read-ahead", async (t) => {
  const path = join(t.testdir({}), 'keys.db');
  const ids = await storeWithKeys(path, READ_AHEAD_AFTER + 10);
  const spared = ids.at(-1)!;
  const subject = `c-${ids.length - 1}`;
  const keys = openKeyStore({ path, master });
  t.teardown(() => keys.close());
  missMany(t, keys, ids, spared);
  keys.beginErasure(subject);
  t.equal(keys.lookup(spared).state, 'erasing', 'begun: erasing, not the active row read before');
  keys.destroy(subject);
  t.equal(keys.lookup(spared).state, 'destroyed');
  t.equal(keys.lookup(spared).state, 'destroyed', 'and again');
});
