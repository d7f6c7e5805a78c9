import t from 'tap';
import { fnvHex, fnvOfBytes, hash, hashBytes } from '../../src/events/fnvHash.js';

// Published 32-bit FNV-1a vectors (IETF draft-eastlake-fnv): the stored tie-breaks and content
// hashes of existing read models depend on these exact values.
const VECTORS: readonly [string, string][] = [
  ['', '811c9dc5'],
  ['a', 'e40c292c'],
  ['foobar', 'bf9cf968'],
];

void t.test('hash gives the published FNV-1a values of strings', async (t) => {
  for (const [input, expected] of VECTORS) t.equal(hash(input), expected, JSON.stringify(input));
});

void t.test('hashBytes gives the published FNV-1a values of bytes', async (t) => {
  for (const [input, expected] of VECTORS) {
    t.equal(hashBytes(Buffer.from(input)), expected, JSON.stringify(input));
  }
});

void t.test('hashBytes hashes a view into a larger buffer by its own bytes only', async (t) => {
  const page = Buffer.from('xxfoobaryy');
  t.equal(hashBytes(page.subarray(2, 8)), 'bf9cf968');
});

void t.test('hash and hashBytes agree on ASCII text of any length', async (t) => {
  const text = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(32 + (i % 95))).join('');
  for (const length of [1, 7, 255, 256, 3000]) {
    t.equal(hash(text.slice(0, length)), hashBytes(Buffer.from(text.slice(0, length))));
  }
});

void t.test('fnvHex writes any 32-bit value as eight lowercase hex digits', async (t) => {
  t.equal(fnvHex(0), '00000000');
  t.equal(fnvHex(0xffffffff), 'ffffffff');
  t.equal(fnvHex(0x0a0b0c0d), '0a0b0c0d');
  t.equal(fnvHex(fnvOfBytes(Buffer.from('foobar'))), 'bf9cf968');
  for (let value = 1; value < 2 ** 32; value = value * 3 + 7) {
    if (fnvHex(value) !== value.toString(16).padStart(8, '0')) t.fail(`value ${value}`);
  }
});
