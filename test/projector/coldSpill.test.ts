import t from 'tap';
import { EMPTY_DOC } from '../../src/readmodel/documents.js';
import {
  COLD_SHARE,
  MAX_COLD_SHARE,
  SPILL_GAP_EVENTS,
  coldKeys,
  nextColdShare,
} from '../../src/projector/coldSpill.js';
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

void t.test('the first cold spill writes a tenth of the documents it could keep', (t) => {
  t.equal(COLD_SHARE, 0.1);
  t.equal(nextColdShare(COLD_SHARE, undefined), 0.1, 'no previous spill: the share as given');
  t.end();
});

void t.test('a spill that comes back within the gap writes twice the share, at most half', (t) => {
  const soon = SPILL_GAP_EVENTS - 1;
  const shares = [COLD_SHARE];
  for (let n = 0; n < 4; n++) shares.push(nextColdShare(shares.at(-1)!, soon));
  t.same(shares, [0.1, 0.2, 0.4, 0.5, 0.5]);
  t.equal(MAX_COLD_SHARE, 0.5);
  t.end();
});

void t.test('a spill after four gaps or more writes half the share, at least a tenth', (t) => {
  const late = 4 * SPILL_GAP_EVENTS;
  t.equal(nextColdShare(0.5, late), 0.25);
  t.equal(nextColdShare(0.25, late), 0.125);
  t.equal(nextColdShare(0.125, late), 0.1, 'never below a tenth');
  t.end();
});

void t.test('between one gap and four the share stays as it was', (t) => {
  t.equal(nextColdShare(0.4, SPILL_GAP_EVENTS), 0.4);
  t.equal(nextColdShare(0.4, 4 * SPILL_GAP_EVENTS - 1), 0.4);
  t.end();
});

void t.test('a gap of zero keeps every spill at a tenth', (t) => {
  t.equal(nextColdShare(COLD_SHARE, 0, 0), 0.1);
  t.equal(nextColdShare(COLD_SHARE, 10, 0), 0.1);
  t.end();
});
