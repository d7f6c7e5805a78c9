/**
 * One side of bench:rebuild's interleaved encryption measure (rebuildInterleaved.ts), in a
 * process of its own: `node rebuildLoop.js plain|encrypted TAG LOG_DIR PAGE MEMORY_MB` (TAG names
 * its read model). Once told
 * `go`, it runs full one-thread rebuilds of its log, one after another, until it is killed, and
 * reports each with its start and end on the machine's monotonic clock. `process.hrtime` reads
 * CLOCK_MONOTONIC, which every process on the machine shares, so the parent, which stops and
 * continues this process, can count only the time the process was allowed to run.
 */
import { join } from 'node:path';
import { loopReadModel, type LoopRebuilt, type LoopSide } from './rebuildInterleaved.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { openEncrypted, rebuildOnce } from './rebuildEncryption.js';

async function loop(
  side: LoopSide,
  tag: string,
  path: string,
  page: number,
  memoryMb: number,
): Promise<void> {
  for (;;) {
    const store =
      side === 'plain'
        ? openSqliteEventStore({ path: join(path, 'events.db') })
        : openEncrypted(path, true);
    const startNs = process.hrtime.bigint();
    try {
      const result = await rebuildOnce(
        store,
        loopReadModel(path, tag),
        side === 'encrypted',
        page,
        memoryMb,
      );
      const rebuilt: LoopRebuilt = {
        type: 'rebuilt',
        startNs: String(startNs),
        endNs: String(process.hrtime.bigint()),
        events: result.events,
        cpuSeconds: result.cpu,
      };
      process.send!(rebuilt);
    } finally {
      await store.close();
    }
  }
}

const [side, tag, path, page, memoryMb] = process.argv.slice(2);
if (
  (side !== 'plain' && side !== 'encrypted') ||
  tag === undefined ||
  path === undefined ||
  !process.send
) {
  throw new Error(
    'usage (from rebuildInterleaved.ts): rebuildLoop.js plain|encrypted TAG LOG_DIR PAGE MEMORY_MB',
  );
}
// The parent stops this process before it says go, so no rebuild starts outside its slices.
process.once('message', () => {
  loop(side, tag, path, Number(page), Number(memoryMb)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
process.send({ type: 'ready' });
