/**
 * `npm run bench:rebuild [-- --events N --customers M --batch B --memory-mb MB]`: writes a synthetic ComPilot
 * log (bench/rebuildLog.ts; default 1,000,000 events over 50,000 customers, plus a log a fifth
 * that size) into temp SQLite event stores, then, for each log in a fresh child process:
 * the raw scan rate of the log (readAll pages), the rate of a full rebuild of every projection
 * from position zero into a new read model (the bulk path, REBUILD_MEMORY_MB = --memory-mb),
 * their ratio, CPU per event and peak RSS during each; then the same rebuild spread over one
 * thread per core (`rebuild --threads 2` here), against which the command's default of one
 * thread is chosen. Two log sizes show whether memory grows with the log; `--events 5000000`
 * measures 1,000,000 and 5,000,000. Also the floor of any design (rebuildFloor.ts: the scan,
 * JSON.parse and one bare row written per event) and the ceiling of any design that evolves
 * documents on this thread: the scan plus every projection's keyOf/evolve into in-memory maps,
 * nothing written. `--logs DIR` keeps the generated logs in DIR (log-<events>/events.db) and reuses
 * them on the next run; `--no-threads` skips the threaded rebuild (for long runs). With
 * encryption at rest (bench/rebuildEncryption.ts): the same log also written encrypted, and
 * one-thread rebuilds with and without encryption alternated `--encryption-rounds` times
 * (default 2; 0 skips), their ratio printed (issue 15: within 15 %); then the same ratio
 * measured interleaved (rebuildInterleaved.ts): both rebuilding side by side in processes of
 * their own, taking turns in one-second slices, `--encryption-interleaved` pairs of fresh
 * processes (default 3; 0 skips), and with `--interleaved-control` first the same measure of
 * the plaintext rebuild against itself (the measure's own spread). The child process runs
 * with `--max-semi-space-size` set to the young generation `rebuild` gives its threads for a
 * log that long (rebuildThreads.ts), so its one-thread rebuilds run as the command's do. Prints
 * figures only; no assertions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MEMORY_BUDGET_MB, MAX_BULK_PAGE } from '../src/projector/rebuildOptions.js';
import {
  LARGE_REBUILD_EVENTS,
  REBUILD_SEMI_SPACE_MB,
  rebuildYoungGenerationMb,
} from '../src/projector/rebuildThreads.js';
import { writeSyntheticLog } from './writeLog.js';
import { writeEncryptedLog } from './rebuildEncryption.js';
import { measure, type Measured } from './rebuildMeasure.js';
import { reportMeasured, reportMemoryVsLogSize } from './rebuildReport.js';
import { measureInterleavedRebuild, reportInterleavedRebuild } from './rebuildInterleaved.js';
import { removeDatabase } from './sqliteFiles.js';
import { discardLog, isKeptLog, markKept } from './keptLogs.js';

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
    'encryption-interleaved': { type: 'string', default: '3' },
    'interleaved-control': { type: 'boolean', default: false },
  },
});
const batchSize = Number(values.batch);
const memoryBudgetMb = Number(values['memory-mb']);
const encryptionRounds = Number(values['encryption-rounds']);
const encryptionInterleaved = Number(values['encryption-interleaved']);

if (values.measure !== undefined) {
  const result = await measure(values.measure, batchSize, {
    memoryBudgetMb,
    encryptionRounds,
    noThreads: values['no-threads'],
  });
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
      for (const old of ['readmodel.db', 'readmodel-threads.db', 'floor.db']) {
        removeDatabase(join(path, old));
      }
      if (values.logs !== undefined && isKeptLog(path, size)) {
        console.log(`\nreusing the log of ${described} in ${path}`);
      } else {
        mkdirSync(path, { recursive: true });
        discardLog(path);
        const started = performance.now();
        await writeSyntheticLog(join(path, 'events.db'), size.events, size.customers);
        markKept(path, size);
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
      const nodeFlags = [
        ...process.execArgv,
        // The young generation of `rebuild`'s threads for a log this long (rebuildThreads.ts),
        // for this process's one-thread rebuilds; threads get it from their resource limits.
        ...(rebuildYoungGenerationMb(size.events) === undefined
          ? []
          : [`--max-semi-space-size=${REBUILD_SEMI_SPACE_MB}`]),
      ];
      // A fresh process per measurement: RSS then counts the scan and rebuild, not the generator.
      const output = execFileSync(
        process.execPath,
        [
          ...nodeFlags,
          // For the live heap after a full GC at each quarter (otherwise heap in use, garbage too).
          '--expose-gc',
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
      reportMeasured(measured, batchSize);
      if (encryptionRounds > 0 && encryptionInterleaved > 0) {
        const settings = { path, page: batchSize, memoryMb: memoryBudgetMb, execArgv: nodeFlags };
        if (values['interleaved-control']) {
          reportInterleavedRebuild(
            await measureInterleavedRebuild(settings, encryptionInterleaved, true),
          );
        }
        reportInterleavedRebuild(await measureInterleavedRebuild(settings, encryptionInterleaved));
      }
    }
    const [small, large] = results as [Measured, Measured];
    reportMemoryVsLogSize(small, large);
  } finally {
    if (values.logs !== undefined) console.log(`logs kept in ${dir}`);
    else if (values.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
