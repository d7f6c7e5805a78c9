/**
 * rebuildProjections killed part-way (a child process SIGKILLed at a known point or at its
 * first page): the next rebuild, or the service's start, finishes from what was committed, or
 * starts again when a cold spill had written documents ahead of the checkpoint.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { findByState } from '../../src/readmodel/generations.js';
import { isWrittenAhead } from '../../src/readmodel/writtenAhead.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import {
  countedEvents,
  dumpReadModel,
  type Harness,
  reached,
  silent,
} from '../helpers/projectionHarness.js';
import { all, journeysWithReference } from '../helpers/rebuildReference.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('../helpers/rebuildChild.ts', import.meta.url));

/**
 * Runs the rebuild child (test/helpers/rebuildChild.ts: batch size, pages before it says
 * "paused") over the harness's files and SIGKILLs it at the first line `killAt` accepts.
 */
async function killChildRebuild(
  t: Test,
  h: Harness,
  args: readonly [batchSize: string, pauseAfter: string] | readonly [string, string, string],
  killAt: (line: string) => boolean,
): Promise<void> {
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', child, h.storePath, h.readModelPath, ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => worker.on('close', () => resolve()));
  t.teardown(() => void worker.kill('SIGKILL'));
  await new Promise<void>((resolve) => {
    createInterface({ input: worker.stdout }).on('line', (line) => {
      if (killAt(line)) resolve();
    });
  });
  worker.kill('SIGKILL');
  await exited;
}

/** The read model equals a fresh build's, and counts every event once. */
function sameAsAFreshBuild(
  t: Test,
  h: Harness,
  expected: Awaited<ReturnType<typeof journeysWithReference>>['expected'],
) {
  t.same(dumpReadModel(h.db, all), expected.dump);
  t.equal(
    countedEvents(h.db).total,
    expected.eventsRead,
    'no event applied twice across the crash',
  );
}

/** The next rebuild, in pages of 20 events, which switches every projection in. */
async function rebuildToTheEnd(t: Test, h: Harness) {
  const result = await rebuildProjections(all, {
    store: h.store,
    db: h.db,
    logger: silent,
    batchSize: 20,
  });
  t.same(
    result.results.map((r) => r.outcome),
    all.map(() => 'switched'),
    'every projection switched in',
  );
  return result;
}

void t.test('a rebuild process killed mid-way is finished by the next rebuild', async (t) => {
  const { h, expected } = await journeysWithReference(t, 80);

  // A child rebuilds with small batches and is killed after a few committed batches
  await killChildRebuild(t, h, ['20', '5'], (line) => line === 'paused');
  const interrupted = findByState(h.db, 'customer-state', 'building');
  t.ok(interrupted?.checkpoint, 'the killed rebuild left a building generation with a checkpoint');
  t.equal(findByState(h.db, 'customer-state', 'live'), undefined, 'nothing was switched in');

  // The next rebuild resumes it and finishes with the same result as a clean one
  const result = await rebuildToTheEnd(t, h);
  t.equal(
    result.results[0]!.generation,
    interrupted!.generation,
    'the same generation was resumed',
  );
  t.ok(result.eventsRead < expected.eventsRead, 'it did not start over');
  sameAsAFreshBuild(t, h, expected);
});

void t.test(
  'a rebuild killed after a cold spill is started again by the next one, with the same rows',
  async (t) => {
    const { h, expected } = await journeysWithReference(t, 80);

    // A child rebuilds over a tiny memory budget and is killed once it has spilled a few times
    await killChildRebuild(t, h, ['20', '8', '0.05'], (line) => line === 'paused');
    const interrupted = findByState(h.db, 'customer-state', 'building')!;
    t.ok(isWrittenAhead(h.db, interrupted), 'it left documents written ahead of its checkpoint');

    // The next rebuild cannot resume that generation: it builds a new one from the start
    const result = await rebuildToTheEnd(t, h);
    t.not(result.results[0]!.generation, interrupted.generation, 'a new generation');
    t.equal(result.eventsRead, expected.eventsRead, 'read from the start of the log');
    sameAsAFreshBuild(t, h, expected);
  },
);

void t.test(
  'a rebuild killed at any moment leaves a read model the service can finish',
  async (t) => {
    const { h, expected } = await journeysWithReference(t, 80);
    // Killed as soon as it has read its first page: mid-batch, possibly mid-transaction.
    await killChildRebuild(
      t,
      h,
      ['7', '0'],
      (line) => line.startsWith('page ') || line.startsWith('done'),
    );
    // The service start resumes whatever was left and serves the result.
    const runner = h.start({ projections: all });
    await runner.waitFor(reached(await h.store.headPosition()));
    t.same(dumpReadModel(h.db, all), expected.dump);
  },
);
