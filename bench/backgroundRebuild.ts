/**
 * `npm run bench:background-rebuild [-- --events N]`: how late the service's event loop runs
 * while its projection runner finishes a rebuild in the background (what a version bump or an
 * interrupted rebuild causes at start), with the build in the runner's own thread and in
 * worker threads (the service's way). One synthetic log (default 200,000 events), one run,
 * a fresh read model per mode holding the generations an interrupted rebuild left. Webhook
 * answers wait as long as the event loop is late. Prints figures only; no assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { rebuildInThreads } from '../src/projector/rebuildThreads.js';
import { startProjections } from '../src/projector/runner.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { writeSyntheticLog } from './writeLog.js';

const RESOLUTION_MS = 10;
const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });

async function measure(storePath: string, readModelPath: string, threaded: boolean) {
  const where = {
    eventStore: { kind: 'sqlite', path: storePath } as const,
    readModelPath,
    logLevel: 'silent' as const,
  };
  // An interrupted rebuild: building generations with nothing applied yet.
  const interrupted = new AbortController();
  interrupted.abort();
  const names = projections.map((p) => p.name);
  await rebuildInThreads({ ...where, projections: names, threads: 1, signal: interrupted.signal });

  const store = openSqliteEventStore({ path: storePath });
  const db = openReadModel(readModelPath);
  const stop = new AbortController();
  const lateness = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  lateness.enable();
  const started = performance.now();
  const runner = startProjections({
    store,
    db,
    projections,
    logger: createLogger('silent'),
    signal: stop.signal,
    ...(threaded ? { rebuildThreads: where } : {}),
  });
  const head = await store.headPosition();
  await runner.waitFor((status) =>
    status.projections.every(
      (p) => p.caughtUp && p.servingGeneration !== null && p.checkpoint === head,
    ),
  );
  lateness.disable();
  const seconds = (performance.now() - started) / 1000;
  stop.abort();
  await runner.done;
  db.close();
  await store.close();
  const late = (nanos: number): string =>
    `${Math.max(0, nanos / 1e6 - RESOLUTION_MS).toFixed(1)} ms`;
  console.log(
    `${threaded ? 'worker threads (the service)' : "the runner's own thread"}: built and served in ${seconds.toFixed(1)} s; ` +
      `event loop late by p50 ${late(lateness.percentile(50))}, p99 ${late(lateness.percentile(99))}, max ${late(lateness.max)}`,
  );
}

const events = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'bench-background-rebuild-'));
console.log(
  `bench:background-rebuild on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
);
try {
  const storePath = join(dir, 'events.db');
  await writeSyntheticLog(storePath, events, Math.max(1, Math.round(events / 20)));
  console.log(
    `log: ${events.toLocaleString('en-US')} events; event-loop lateness sampled every ${RESOLUTION_MS} ms\n`,
  );
  await measure(storePath, join(dir, 'in-thread.db'), false);
  await measure(storePath, join(dir, 'threads.db'), true);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
