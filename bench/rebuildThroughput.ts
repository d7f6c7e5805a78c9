/**
 * `npm run bench:rebuild [-- --events N --customers M --batch B --memory-mb MB]`: writes a synthetic ComPilot
 * log (bench/rebuildLog.ts; default 1,000,000 events over 50,000 customers, plus a log a fifth
 * that size) into temp SQLite event stores, then, for each log in a fresh child process:
 * the raw scan rate of the log (readAll pages), the rate of a full rebuild of every projection
 * from position zero into a new read model (the bulk path, REBUILD_MEMORY_MB = --memory-mb),
 * their ratio, CPU per event and peak RSS during each; then the same rebuild spread over one
 * thread per core (`rebuild --threads 2` here), against which the command's default of one
 * thread is chosen. Two log sizes show whether memory grows with the log; `--events 5000000`
 * measures 1,000,000 and 5,000,000. Also the ceiling of any design that evolves documents on
 * this thread: the scan plus every projection's keyOf/evolve into in-memory maps, nothing
 * written. `--logs DIR` keeps the generated logs in DIR (log-<events>/events.db) and reuses
 * them on the next run; `--no-threads` skips the threaded rebuild (for long runs). With
 * encryption at rest (bench/rebuildEncryption.ts): the same log also written encrypted, and
 * one-thread rebuilds with and without encryption alternated `--encryption-rounds` times
 * (default 2; 0 skips), their ratio printed (issue 15: within 15 %). The child process runs
 * with `--max-semi-space-size` set to the young generation `rebuild` gives its threads for a
 * log that long (rebuildThreads.ts), so its one-thread rebuilds run as the command's do. Prints
 * figures only; no assertions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { DEFAULT_MEMORY_BUDGET_MB, MAX_BULK_PAGE } from '../src/projector/rebuildOptions.js';
import { rebuildProjections } from '../src/projector/rebuildProjections.js';
import {
  LARGE_REBUILD_EVENTS,
  REBUILD_SEMI_SPACE_MB,
  defaultRebuildThreads,
  parallelRebuildThreads,
  rebuildInThreads,
  rebuildYoungGenerationMb,
} from '../src/projector/rebuildThreads.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { writeSyntheticLog } from './writeLog.js';
import {
  measureEncryptionCost,
  reportEncryptionCost,
  writeEncryptedLog,
  type EncryptionCost,
} from './rebuildEncryption.js';

interface Measured {
  readonly events: number;
  readonly customers: number;
  readonly scanSeconds: number;
  readonly scanRate: number;
  readonly scanPeakRssMb: number;
  /** CPU time of the process (user + system): shows the cost apart from other load on the machine. */
  readonly scanCpuSeconds: number;
  readonly rebuildSeconds: number;
  readonly rebuildRate: number;
  readonly rebuildPeakRssMb: number;
  readonly rebuildCpuSeconds: number;
  /** Times the staged documents outgrew the memory budget and were written out early. */
  readonly spills: number;
  /** Full collections the build's heap guard asked for. */
  readonly heapCollections: number;
  /** Seconds writing staged documents (RebuildResult.writeSeconds), and at the head. */
  readonly writeSeconds: number;
  readonly finalWriteSeconds: number;
  readonly rssAtQuartersMb: readonly number[];
  /** Heap in use right after a full GC: the live set, what must not grow with the log. */
  readonly liveHeapAtQuartersMb: readonly number[];
  /** readAll pages plus JSON.parse of every body: the least any projection must do. */
  readonly parsedScanRate: number;
  readonly parsedScanCpuSeconds: number;
  /** The scan plus keyOf/evolve of every projection into maps, nothing written: the ceiling. */
  readonly foldRate: number;
  readonly foldCpuSeconds: number;
  readonly readModelMb: number;
  /** The same rebuild spread over one thread per core (at most one per projection). */
  readonly threads: number;
  readonly threadedRate: number;
  readonly threadedPeakRssMb: number;
  /** Rebuild with encryption at rest against the same without; undefined with 0 rounds. */
  readonly encryption?: EncryptionCost;
}

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    customers: { type: 'string' },
    // The page the bulk path reads (MAX_BULK_PAGE): the raw scan reads the same pages, which
    // are also its fastest (5,000-event pages cost a bare scan ~8 µs an event against ~5).
    batch: { type: 'string', default: String(MAX_BULK_PAGE) },
    'memory-mb': { type: 'string', default: String(DEFAULT_MEMORY_BUDGET_MB) },
    measure: { type: 'string' },
    keep: { type: 'boolean', default: false },
    logs: { type: 'string' },
    // Skips the threaded rebuild (long runs such as --events 5000000; the default is 1 thread).
    'no-threads': { type: 'boolean', default: false },
    'encryption-rounds': { type: 'string', default: '2' },
  },
});
const batchSize = Number(values.batch);
const memoryBudgetMb = Number(values['memory-mb']);
const encryptionRounds = Number(values['encryption-rounds']);

if (values.measure !== undefined) {
  const result = await measure(values.measure, batchSize);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main();
}

async function main(): Promise<void> {
  const events = Number(values.events ?? process.env.BENCH_EVENTS ?? 1_000_000);
  const customers = Number(values.customers ?? Math.max(1, Math.round(events / 20)));
  const sizes = [
    { events: Math.round(events / 5), customers: Math.max(1, Math.round(customers / 5)) },
    { events, customers },
  ];
  const dir = values.logs ?? mkdtempSync(join(tmpdir(), 'bench-rebuild-'));
  console.log(
    `bench:rebuild on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  console.log(
    `batch size ${batchSize} events; REBUILD_MEMORY_MB ${memoryBudgetMb}; semi-spaces ${REBUILD_SEMI_SPACE_MB} MB up to ${LARGE_REBUILD_EVENTS.toLocaleString('en-US')} events; load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}; work dir ${dir}`,
  );
  const results: Measured[] = [];
  try {
    for (const size of sizes) {
      const path = join(dir, `log-${size.events}`);
      const described = `${size.events.toLocaleString('en-US')} events over ${size.customers.toLocaleString('en-US')} customers`;
      for (const old of ['readmodel.db', 'readmodel-threads.db']) {
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(join(path, old + suffix), { force: true });
      }
      if (values.logs !== undefined && existsSync(join(path, 'events.db'))) {
        console.log(`\nreusing the log of ${described} in ${path}`);
      } else {
        mkdirSync(path, { recursive: true });
        const started = performance.now();
        await writeSyntheticLog(join(path, 'events.db'), size.events, size.customers);
        const seconds = (performance.now() - started) / 1000;
        console.log(`\ngenerated ${described} in ${seconds.toFixed(1)} s`);
      }
      if (encryptionRounds > 0) {
        const started = performance.now();
        if (await writeEncryptedLog(path, size.events, size.customers)) {
          const seconds = (performance.now() - started) / 1000;
          console.log(`generated the same log encrypted at rest in ${seconds.toFixed(1)} s`);
        }
      }
      // A fresh process per measurement: RSS then counts the scan and rebuild, not the generator.
      const output = execFileSync(
        process.execPath,
        [
          ...process.execArgv,
          // For the live heap after a full GC at each quarter (otherwise heap in use, garbage too).
          '--expose-gc',
          // The young generation of `rebuild`'s threads for a log this long (rebuildThreads.ts),
          // for this process's one-thread rebuilds; threads get it from their resource limits.
          ...(rebuildYoungGenerationMb(size.events) === undefined
            ? []
            : [`--max-semi-space-size=${REBUILD_SEMI_SPACE_MB}`]),
          fileURLToPath(import.meta.url),
          '--measure',
          path,
          '--batch',
          String(batchSize),
          '--memory-mb',
          String(memoryBudgetMb),
          '--encryption-rounds',
          String(encryptionRounds),
          ...(values['no-threads'] ? ['--no-threads'] : []),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const measured = {
        ...(JSON.parse(output.trim().split('\n').at(-1)!) as Measured),
        customers: size.customers,
      };
      results.push(measured);
      report(measured);
    }
    const [small, large] = results as [Measured, Measured];
    console.log('\nmemory vs log size:');
    const size = (m: Measured): string => `${m.events.toLocaleString('en-US')} events`;
    const ratio = (a: number, b: number): string => `x${(b / a).toFixed(2)}`;
    const growth = `for x${(large.events / small.events).toFixed(1)} events`;
    console.log(
      `  peak RSS during rebuild: ${small.rebuildPeakRssMb.toFixed(0)} MB at ${size(small)}, ` +
        `${large.rebuildPeakRssMb.toFixed(0)} MB at ${size(large)} (${ratio(small.rebuildPeakRssMb, large.rebuildPeakRssMb)} ${growth})`,
    );
    const lastHeap = (m: Measured): number => m.liveHeapAtQuartersMb.at(-1) ?? 0;
    console.log(
      `  live heap after GC at the end: ${lastHeap(small).toFixed(0)} MB at ${size(small)}, ` +
        `${lastHeap(large).toFixed(0)} MB at ${size(large)} (${ratio(lastHeap(small), lastHeap(large))} ${growth})`,
    );
  } finally {
    if (values.logs !== undefined) console.log(`logs kept in ${dir}`);
    else if (values.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function report(m: Measured): void {
  const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} events/s`;
  const perEvent = (cpu: number): string => `${((cpu / m.events) * 1e6).toFixed(1)} us CPU/event`;
  console.log(
    `  raw scan (readAll pages of ${batchSize}): ${rate(m.scanRate)} (${m.scanSeconds.toFixed(1)} s, ${perEvent(m.scanCpuSeconds)}, peak RSS ${m.scanPeakRssMb.toFixed(0)} MB)`,
  );
  console.log(
    `  scan + JSON.parse of every body: ${rate(m.parsedScanRate)} (${perEvent(m.parsedScanCpuSeconds)})`,
  );
  console.log(
    `  scan + keyOf/evolve of every projection in memory, nothing written (the ceiling of one thread): ${rate(m.foldRate)} (${perEvent(m.foldCpuSeconds)})`,
  );
  console.log(
    `  full rebuild, ${projections.length} projections, one thread: ${rate(m.rebuildRate)} (${m.rebuildSeconds.toFixed(1)} s, ${perEvent(m.rebuildCpuSeconds)}, peak RSS ${m.rebuildPeakRssMb.toFixed(0)} MB, ${m.spills} spills, ${m.heapCollections} full collections asked for; writing ${m.writeSeconds.toFixed(1)} s, of it ${m.finalWriteSeconds.toFixed(1)} s at the head)`,
  );
  console.log(
    `  rebuild / raw scan: ${((m.rebuildRate / m.scanRate) * 100).toFixed(1)} % (target >= 30 %, and >= 60,000 events/s); ` +
      `CPU per event ${((m.rebuildCpuSeconds / m.scanCpuSeconds) * 1).toFixed(1)} x the scan's`,
  );
  console.log(
    `  default thread count: ${defaultRebuildThreads()}${defaultRebuildThreads() === 1 ? ' (the one-thread rebuild above)' : ''}`,
  );
  if (m.threads > 0)
    console.log(
      `  the same over ${m.threads} threads (--threads ${m.threads}): ${rate(m.threadedRate)}, x${(m.threadedRate / m.rebuildRate).toFixed(2)}, ` +
        `${((m.threadedRate / m.scanRate) * 100).toFixed(1)} % of the raw scan (peak RSS ${m.threadedPeakRssMb.toFixed(0)} MB, same process)`,
    );
  console.log(
    `  at 25/50/75/100 % of the rebuild: RSS ${m.rssAtQuartersMb.map((mb) => mb.toFixed(0)).join(' / ')} MB, ` +
      `live heap after GC ${m.liveHeapAtQuartersMb.map((mb) => mb.toFixed(0)).join(' / ')} MB; read model ${m.readModelMb.toFixed(0)} MB`,
  );
  if (m.encryption !== undefined) reportEncryptionCost(m.encryption);
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function measure(path: string, pageSize: number): Promise<Omit<Measured, 'customers'>> {
  const store = openSqliteEventStore({ path: join(path, 'events.db') });
  let peak = 0;
  const sample = (): number => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
    return rss;
  };
  const sampler = setInterval(sample, 20);
  const mb = (bytes: number): number => bytes / 2 ** 20;
  // Started with --expose-gc: the heap still in use after a full collection is the live set.
  const gc = (globalThis as { gc?: () => void }).gc;
  const liveHeap = (): number => {
    gc?.();
    return mb(process.memoryUsage().heapUsed);
  };

  // Raw scan: every page of the log, as the rebuild reads it, doing nothing with the events.
  const scan = async (parse: boolean) => {
    let count = 0;
    let sink = 0;
    let after: string | undefined;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (;;) {
      const page: RecordedEvent[] = await store.readAll({ after, maxCount: pageSize });
      if (page.length === 0) break;
      count += page.length;
      for (const event of page)
        sink += parse
          ? Object.keys(JSON.parse(event.data.toString('utf8')) as object).length
          : event.data.length;
      after = page.at(-1)!.position;
      sample();
    }
    if (sink < 0) console.log(sink);
    return {
      count,
      seconds: (performance.now() - started) / 1000,
      cpu: cpuSeconds(process.cpuUsage(cpu)),
    };
  };
  const raw = await scan(false);
  const scanPeak = peak;
  const parsed = await scan(true);

  peak = 0;
  const db = openReadModel(join(path, 'readmodel.db'));
  const quarters: number[] = [];
  const heaps: number[] = [];
  const rebuildStart = performance.now();
  const rebuildCpu = process.cpuUsage();
  const result = await rebuildProjections(projections, {
    store,
    db,
    logger: createLogger('silent'),
    batchSize: pageSize,
    memoryBudgetMb,
    progress: {
      update(done) {
        const rss = sample();
        while (quarters.length < 4 && done >= (raw.count * (quarters.length + 1)) / 4) {
          quarters.push(mb(rss));
          heaps.push(liveHeap());
        }
      },
      finish() {
        if (quarters.length < 4) {
          quarters.push(mb(sample()));
          heaps.push(liveHeap());
        }
      },
    },
  });
  const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
  const rebuildCpuSeconds = cpuSeconds(process.cpuUsage(rebuildCpu));
  const rebuildPeak = peak;
  if (result.results.some((r) => r.outcome !== 'switched')) {
    throw new Error(`rebuild did not finish: ${JSON.stringify(result.results)}`);
  }
  db.close();
  // After the rebuild, so its memory does not count in the rebuild's peak RSS.
  gc?.(); // the rebuild's garbage is not the fold's to collect
  const folded = await fold(store, pageSize);
  // Same process, so this peak also holds what the first rebuild left: an upper bound.
  peak = 0;
  const threads = values['no-threads'] ? 0 : parallelRebuildThreads(projections.length);
  const threaded = await (threads === 0
    ? notMeasured()
    : rebuildInThreads({
        eventStore: { kind: 'sqlite', path: join(path, 'events.db') },
        readModelPath: join(path, 'readmodel-threads.db'),
        projections: projections.map((p) => p.name),
        threads,
        batchSize: pageSize,
        memoryBudgetMb,
        logLevel: 'silent',
      }));
  if (threaded.results.some((r) => r.outcome !== 'switched')) {
    throw new Error(`threaded rebuild did not finish: ${JSON.stringify(threaded.results)}`);
  }
  clearInterval(sampler);
  sample();
  await store.close();
  // Last, in fresh read models: neither figure above includes it.
  const encryption =
    encryptionRounds > 0
      ? await measureEncryptionCost(path, pageSize, memoryBudgetMb, encryptionRounds)
      : undefined;
  return {
    threads,
    threadedRate: threaded.eventsRead / threaded.seconds,
    threadedPeakRssMb: mb(peak),
    events: raw.count,
    scanSeconds: raw.seconds,
    scanRate: raw.count / raw.seconds,
    scanPeakRssMb: mb(scanPeak),
    scanCpuSeconds: raw.cpu,
    parsedScanRate: parsed.count / parsed.seconds,
    parsedScanCpuSeconds: parsed.cpu,
    foldRate: folded.count / folded.seconds,
    foldCpuSeconds: folded.cpu,
    rebuildSeconds,
    rebuildRate: result.eventsRead / rebuildSeconds,
    rebuildPeakRssMb: mb(rebuildPeak),
    rebuildCpuSeconds,
    spills: result.spills,
    heapCollections: result.heapCollections,
    writeSeconds: result.writeSeconds,
    finalWriteSeconds: result.finalWriteSeconds,
    rssAtQuartersMb: quarters,
    liveHeapAtQuartersMb: heaps,
    ...(encryption === undefined ? {} : { encryption }),
    readModelMb: mb(
      fileSize(join(path, 'readmodel.db')) + fileSize(join(path, 'readmodel.db-wal')),
    ),
  };
}

/**
 * The scan plus every projection's keyOf/evolve, documents kept in maps (a document keyed as
 * new, one per observation, is dropped once evolved: the rebuild writes those out), nothing
 * encoded or written. What one thread cannot beat with these projections, whatever the storage.
 */
async function fold(
  store: ReturnType<typeof openSqliteEventStore>,
  pageSize: number,
): Promise<{ count: number; seconds: number; cpu: number }> {
  const states = projections.map(() => new Map<string, unknown>());
  const handled = projections.map((projection) => new Set(projection.handles));
  let count = 0;
  let after: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    count += page.length;
    after = page.at(-1)!.position;
    // Event by event across the projections, as the rebuild stages (target.ts, stageAll): each
    // event's body is parsed once and dies young. A state this fold stored is its own, so it is
    // evolved in place where the projection can (evolveOwned), as the rebuild does.
    for (const event of page) {
      for (let index = 0; index < projections.length; index++) {
        if (!handled[index]!.has(event.type)) continue;
        const projection = projections[index]!;
        const docs = states[index]!;
        try {
          const key = projection.keyOf(event);
          if (key === undefined) continue;
          const state = docs.get(key);
          const next =
            state !== undefined && projection.evolveOwned !== undefined
              ? projection.evolveOwned(state, event)
              : projection.evolve(state, event);
          if (projection.isNewKey?.(key, event) === true) continue;
          docs.set(key, next);
        } catch {
          // Poison: the rebuild records it; the ceiling only needs the cost.
        }
      }
    }
  }
  return {
    count,
    seconds: (performance.now() - started) / 1000,
    cpu: cpuSeconds(process.cpuUsage(cpu)),
  };
}

/** The threaded result when --no-threads skipped it. */
function notMeasured(): Promise<{ results: never[]; eventsRead: number; seconds: number }> {
  return Promise.resolve({ results: [], eventsRead: 0, seconds: 1 });
}
