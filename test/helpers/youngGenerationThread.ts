/**
 * A thread for test/lib/startWorker.test.ts: allocates objects that stay alive for a while (as a
 * rebuild's pages do), so V8 grows the young generation as far as the thread's limits let it,
 * and posts the size its new space reached, in MB.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';

let alive: { index: number }[] = [];
let largest = 0;
for (let index = 0; index < 6_000_000; index++) {
  alive.push({ index });
  if (alive.length === 400_000) {
    alive = [];
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    largest = Math.max(largest, newSpace?.space_size ?? 0);
  }
}
parentPort!.postMessage(largest / 2 ** 20);
