import t from 'tap';
import { startWorker } from '../../src/lib/startWorker.js';
import { REBUILD_YOUNG_GENERATION_MB } from '../../src/projector/rebuildThreads.js';

/** The largest new space (MB) a thread reached while keeping pages of objects alive. */
async function newSpaceReached(youngMb?: number): Promise<number> {
  const worker = startWorker(
    new URL('../helpers/youngGenerationThread.js', import.meta.url),
    import.meta.url,
    undefined,
    youngMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: youngMb } },
  );
  const reached = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return reached;
}

void t.test('a thread started with resource limits gets their young generation', async (t) => {
  const plain = await newSpaceReached();
  const rebuild = await newSpaceReached(REBUILD_YOUNG_GENERATION_MB);
  // New space is the two semi-spaces: two thirds of the young generation at most.
  t.ok(plain <= 32, `without limits Node's default semi-spaces of 16 MB (${plain} MB)`);
  t.ok(rebuild > 32, `a rebuild thread's new space grows past the default (${rebuild} MB)`);
  t.ok(
    rebuild <= (REBUILD_YOUNG_GENERATION_MB * 2) / 3,
    `and stays within its limit (${rebuild} MB)`,
  );
});
