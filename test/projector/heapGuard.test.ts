import t from 'tap';
import { createHeapGuard, heapLimitMb } from '../../src/projector/heapGuard.js';

void t.test('the heap limit is four times the memory budget, and never under 256 MiB', (t) => {
  t.equal(heapLimitMb(128), 512);
  t.equal(heapLimitMb(1000), 4000);
  t.equal(heapLimitMb(16), 256);
  t.end();
});

void t.test('a heap below the limit is left to V8', (t) => {
  const guard = createHeapGuard(1_000_000);
  guard.check();
  t.equal(guard.collections, 0);
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
  t.end();
});
