import t from 'tap';
import { EMPTY_DOC } from '../../src/readmodel/documents.js';
import { coldKeys } from '../../src/projector/coldSpill.js';
import type { Pending, Staged } from '../../src/projector/target.js';

function pendingWith(entries: readonly [key: string, seen: number, appended: boolean][]): Pending {
  const touched = new Map<string, Staged>();
  for (const [key, seen, appended] of entries) {
    touched.set(key, { before: EMPTY_DOC, state: { key }, owned: true, seen, appended });
  }
  return {
    base: undefined,
    touched,
    checkpoint: undefined,
    lastRecordedAt: undefined,
    applied: 0,
    appended: entries.filter(([, , appended]) => appended).length,
    poison: undefined,
    poisons: [],
    pages: 9,
    ahead: false,
  };
}

void t.test(
  'a cold spill takes every history document and the documents named longest ago',
  (t) => {
    const pending = pendingWith([
      ['h', 1, false],
      ['g', 9, false],
      ['f', 2, false],
      ['e', 8, false],
      ['obs-2', 9, true],
      ['d', 3, false],
      ['c', 7, false],
      ['b', 4, false],
      ['obs-1', 9, true],
      ['a', 6, false],
    ]);

    // Of the eight others, three quarters (six) stay: the two named in pages 1 and 2 go
    t.same(coldKeys(pending, 0.75), ['f', 'h', 'obs-1', 'obs-2'], 'in key order');
    t.same(coldKeys(pending, 0.5), ['b', 'd', 'f', 'h', 'obs-1', 'obs-2']);
    t.same(coldKeys(pending, 1), ['obs-1', 'obs-2'], 'keeping all others, history still goes');
    t.end();
  },
);

void t.test('among documents named in the same page, the one staged first goes first', (t) => {
  const pending = pendingWith([
    ['z', 5, false],
    ['y', 5, false],
    ['x', 5, false],
    ['w', 5, false],
  ]);
  t.same(coldKeys(pending, 0.5), ['y', 'z']);
  t.end();
});
