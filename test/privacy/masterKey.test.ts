import t from 'tap';
import {
  generateMasterKey,
  masterKeyOf,
  parseMasterKey,
  unwrapDataKey,
  wrapDataKey,
} from '../../src/privacy/masterKey.js';

void t.test('a master key is base64 of exactly 32 bytes, named by a short id', async (t) => {
  const raw = generateMasterKey();
  const key = parseMasterKey(raw);
  t.equal(key.key.length, 32);
  t.match(key.id, /^[0-9a-f]{16}$/);
  t.equal(parseMasterKey(` ${raw} `).id, key.id, 'surrounding blanks are ignored');
  t.throws(
    () => parseMasterKey(Buffer.alloc(31).toString('base64')),
    /exactly 32 random bytes \(got 31 bytes\)/,
  );
  t.throws(() => parseMasterKey('not base64!'), /exactly 32/);
});

void t.test(
  'a wrapped data key unwraps only with its master key, subject and key id',
  async (t) => {
    const master = masterKeyOf(Buffer.alloc(32, 5));
    const data = Buffer.alloc(32, 9);
    const wrapped = wrapDataKey(master, data, 'c-1', 'k-1');
    t.same(unwrapDataKey(master, wrapped, 'c-1', 'k-1'), data);
    t.throws(() => unwrapDataKey(masterKeyOf(Buffer.alloc(32, 6)), wrapped, 'c-1', 'k-1'));
    t.throws(() => unwrapDataKey(master, wrapped, 'c-2', 'k-1'), 'not for another subject');
    t.throws(() => unwrapDataKey(master, wrapped, 'c-1', 'k-2'), 'not under another key id');
  },
);

void t.test(
  'an unwrapped data key owns its memory, so a cached key keeps no pool slab of other bytes alive',
  async (t) => {
    const master = masterKeyOf(Buffer.alloc(32, 5));
    const wrapped = wrapDataKey(master, Buffer.alloc(32, 9), 'c-1', 'k-1');
    const key = unwrapDataKey(master, wrapped, 'c-1', 'k-1');
    // A slice of Node's shared pool would sit in an 8 KiB ArrayBuffer.
    t.equal(key.buffer.byteLength, 32);
    t.equal(key.byteOffset, 0);
  },
);
