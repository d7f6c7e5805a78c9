/**
 * bench:rebuild's printed figures: one log's measurements (reportMeasured) and how memory grew
 * from the smaller log to the larger (reportMemoryVsLogSize). Separate from the measure child,
 * which only returns numbers, and from the entry, which only runs things.
 */
import { projections } from '../projections/index.js';
import { defaultRebuildThreads } from '../src/projector/rebuildThreads.js';
import { reportEncryptionCost } from './rebuildEncryption.js';
import type { Measured } from './rebuildMeasure.js';

export function reportMeasured(m: Measured, batchSize: number): void {
  const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} events/s`;
  const perEvent = (cpu: number): string => `${((cpu / m.events) * 1e6).toFixed(1)} us CPU/event`;
  console.log(
    `  raw scan (readAll pages of ${batchSize}): ${rate(m.scanRate)} (${m.scanSeconds.toFixed(1)} s, ${perEvent(m.scanCpuSeconds)}, peak RSS ${m.scanPeakRssMb.toFixed(0)} MB)`,
  );
  console.log(
    `  scan + JSON.parse of every body: ${rate(m.parsedScanRate)} (${perEvent(m.parsedScanCpuSeconds)})`,
  );
  console.log(
    `  scan + JSON.parse + one bare row written per event (the floor of any design): ${rate(m.floorRate)} (${perEvent(m.floorCpuSeconds)}), ${((m.floorRate / m.scanRate) * 100).toFixed(1)} % of the raw scan`,
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

export function reportMemoryVsLogSize(small: Measured, large: Measured): void {
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
}
