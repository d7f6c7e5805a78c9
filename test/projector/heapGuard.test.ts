import t from 'tap';
import {
  createHeapGuard,
  HEAP_GROWING_PERCENT,
  heapLimitMb,
} from '../../src/projector/heapGuard.js';

void t.test('the heap limit is three times the memory budget, and never under 256 MiB', (t) => {
  t.equal(heapLimitMb(128), 384);
  t.equal(heapLimitMb(1000), 3000);
  t.equal(heapLimitMb(16), 256);
  t.end();
});

void t.test('a heap below the limit is left to V8, its growth included', (t) => {
  const flags: string[] = [];
  const guard = createHeapGuard(1_000_000, undefined, (f) => flags.push(f));
  guard.check();
  guard.release();
  t.equal(guard.collections, 0);
  t.same(flags, [], 'V8 keeps sizing the heap of a build that stays small');
  t.end();
});

void t.test('once a build has needed a collection, V8 grows its heap by half at most', (t) => {
  const flags: string[] = [];
  const guard = createHeapGuard(1, undefined, (f) => flags.push(f));
  guard.check();
  t.equal(guard.collections, 1);
  t.same(flags, [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  t.equal(HEAP_GROWING_PERCENT, 50);
  guard.release();
  t.same(flags.slice(1), ['--heap-growing-percent=0'], 'V8 sizes the heap itself after the build');
  t.end();
});

void t.test('a heap above the limit is collected, without a gc flag on the command line', (t) => {
  const raised: number[] = [];
  const guard = createHeapGuard(1, (limitMb) => raised.push(limitMb));
  guard.check();
  t.equal(guard.collections, 1);
  // What is live after the collection is far above 1 MiB: the limit makes room for it rather
  // than collect again at every check.
  t.equal(raised.length, 1);
  t.ok(guard.limitBytes > process.memoryUsage().heapUsed, 'room above the live heap');
  guard.check();
  t.equal(guard.collections, 1, 'no collection while the heap stays under the raised limit');
  guard.release();
  t.end();
});
