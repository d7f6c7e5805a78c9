import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { checkExactlyOnce, startPipeline, untilCaughtUp } from '../helpers/enrichmentHarness.js';
import { waitFor } from '../helpers/simulatorHarness.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/enrichmentWorker.ts', import.meta.url));

void t.test(
  'stopping and restarting mid-run, while webhooks arrive, records each fetch once',
  async (t) => {
    const pipeline = await startPipeline(t);
    pipeline.sim.api.setFaults({ latencyMs: 20 });
    let sent = false;
    const sending = pipeline
      .send({ journeys: ['onboarding', 'alert', 'deletion'], customers: 24, concurrency: 2 })
      .then(() => {
        sent = true;
      });
    let written = 0;
    for (let round = 0; round < 3; round += 1) {
      const run = pipeline.start({ batchSize: 7 });
      // On a slow machine the backlog may be gone before the last round gets to write.
      await waitFor(
        () =>
          run.processor.status().eventsWritten >= 2 || (sent && run.processor.status().caughtUp),
        `round ${round} to record something`,
      );
      await run.stop();
      written += run.processor.status().eventsWritten;
    }
    await sending;
    const last = pipeline.start({ batchSize: 7 });
    await untilCaughtUp(last.processor, pipeline.ingress.store);
    const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);
    t.equal(written + last.processor.status().eventsWritten, snapshots.length, 'no write was lost');
  },
);

void t.test(
  'a processor killed with SIGKILL leaves nothing a restart duplicates or misses',
  async (t) => {
    const pipeline = await startPipeline(t);
    // Slow answers keep the child busy long enough to be killed mid-batch.
    pipeline.sim.api.setFaults({ latencyMs: 100 });
    await pipeline.send({ journeys: ['onboarding', 'kyc-failure', 'scenario'], customers: 24 });

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        workerScript,
        pipeline.ingress.dbPath,
        pipeline.readModelPath,
        pipeline.sim.api.url,
        pipeline.sim.apiKey,
      ],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    let childWritten = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^written (\d+)$/.exec(line);
      if (match) childWritten = Number(match[1]);
    });
    await waitFor(() => childWritten >= 4, 'the child to record some snapshots');
    child.kill('SIGKILL');
    await exited;

    const { processor } = pipeline.start({ batchSize: 10 });
    await untilCaughtUp(processor, pipeline.ingress.store);
    const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);
    t.ok(snapshots.length > processor.status().eventsWritten, 'the child had written some');
    t.ok(processor.status().eventsWritten > 0, 'the restart finished the job');
  },
);

void t.test('two instances running at once record each fetch once', async (t) => {
  const pipeline = await startPipeline(t);
  pipeline.sim.api.setFaults({ latencyMs: 10 });
  // The second instance uses its own connection to the same files, like a second process.
  const otherStore = openSqliteEventStore({
    path: pipeline.ingress.dbPath,
    externalCheckIntervalMs: 20,
  });
  t.teardown(() => otherStore.close());
  const first = pipeline.start({ batchSize: 5 });
  const second = pipeline.start({ batchSize: 5, store: otherStore });
  await pipeline.send({
    journeys: ['onboarding', 'alert', 'verification-flow', 'deletion'],
    customers: 16,
    concurrency: 4,
  });
  await untilCaughtUp(first.processor, pipeline.ingress.store);
  await untilCaughtUp(second.processor, otherStore);
  const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);
  const total = first.processor.status().eventsWritten + second.processor.status().eventsWritten;
  t.equal(total, snapshots.length, 'each snapshot was written by exactly one instance');
});
