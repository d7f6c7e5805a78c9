/**
 * bench:rebuild's measure child (`--measure DIR`, run in a fresh process per log so its RSS
 * counts the scan and the rebuilds, not the generator): the raw and parsed scans, the ceiling
 * (rebuildCeiling.ts), the one-thread and threaded rebuilds and the encryption cost, returned
 * as one Measured. Separate from the entry (rebuildThroughput.ts), which only parses arguments,
 * writes the logs and starts this child, so what is timed reads apart from how it is run.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../src/projector/rebuildProjections.js';
import { parallelRebuildThreads, rebuildInThreads } from '../src/projector/rebuildThreads.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { measureEncryptionCost, type EncryptionCost } from './rebuildEncryption.js';
import { fold } from './rebuildCeiling.js';
import { floor } from './rebuildFloor.js';
import { cpuSeconds, timedScan } from './timedScan.js';

export interface Measured {
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
  /** The scan, JSON.parse and one bare row written per event: the floor of any design. */
  readonly floorRate: number;
  readonly floorCpuSeconds: number;
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

/** The parent's --memory-mb, --encryption-rounds and --no-threads, as the child was given them. */
export interface MeasureSettings {
  readonly memoryBudgetMb: number;
  readonly encryptionRounds: number;
  readonly noThreads: boolean;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export async function measure(
  path: string,
  pageSize: number,
  settings: MeasureSettings,
): Promise<Omit<Measured, 'customers'>> {
  const { memoryBudgetMb, encryptionRounds, noThreads } = settings;
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
    let sink = 0;
    const pass = await timedScan(store, pageSize, (page) => {
      for (const event of page)
        sink += parse
          ? Object.keys(JSON.parse(event.data.toString('utf8')) as object).length
          : event.data.length;
      sample();
    });
    if (sink < 0) console.log(sink);
    return pass;
  };
  const raw = await scan(false);
  const scanPeak = peak;
  const parsed = await scan(true);
  const floored = await floor(store, pageSize, join(path, 'floor.db'));

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
  const threads = noThreads ? 0 : parallelRebuildThreads(projections.length);
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
    floorRate: floored.count / floored.seconds,
    floorCpuSeconds: floored.cpu,
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

/** The threaded result when --no-threads skipped it. */
function notMeasured(): Promise<{ results: never[]; eventsRead: number; seconds: number }> {
  return Promise.resolve({ results: [], eventsRead: 0, seconds: 1 });
}
