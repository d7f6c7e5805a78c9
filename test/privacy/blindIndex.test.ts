import t from 'tap';
import { createBlindIndex } from '../../src/privacy/blindIndex.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';

const address = '0xAbC0000000000000000000000000000000000001';

void t.test(
  'a blind index matches regardless of case and blanks, and hides the value',
  async (t) => {
    const index = createBlindIndex(masterKeyOf(Buffer.alloc(32, 1)));
    t.equal(index(address), index(` ${address.toLowerCase()} `));
    t.match(index(address), /^[0-9a-f]{64}$/);
    t.not(index(address), index('0xabc0000000000000000000000000000000000002'));
    t.notMatch(index(address), /abc0/i);
  },
);

void t.test('the index depends on the master key and the purpose', async (t) => {
  const a = createBlindIndex(masterKeyOf(Buffer.alloc(32, 1)));
  const b = createBlindIndex(masterKeyOf(Buffer.alloc(32, 2)));
  const names = createBlindIndex(masterKeyOf(Buffer.alloc(32, 1)), 'names/v1');
  t.not(a(address), b(address), 'without the master key it cannot be recomputed');
  t.not(a(address), names(address), 'separate indexes do not share values');
});
