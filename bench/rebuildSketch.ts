/**
 * `npm run bench:rebuild-sketch [-- --events N --logs DIR --rounds R]`: what a rewrite of the
 * projections' rules could reach against issue 12's target (30 % of the raw scan, one
 * thread). Each round, in one process and in this order: the raw scan; the floor (scan, parse,
 * one bare row an event: rebuildFloor.ts); the lean sketch of the five projections' work with
 * nothing written, then written (leanSketch.ts); and the product's one-thread rebuild (the
 * bulk path). Each is read against the raw scan of its own round, since the machine's speed
 * drifts between rounds; the medians are printed. `--logs DIR` reuses (or keeps) the log that
 * bench:rebuild writes (log-<events>); the default is the 200,000-event log. Prints figures
 * only; no assertions.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { rebuildProjections } from '../src/projector/rebuildProjections.js';
import { MAX_BULK_PAGE } from '../src/projector/rebuildOptions.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { discardLog, isKeptLog, markKept } from './keptLogs.js';
import { leanSketch } from './leanSketch.js';
import { median } from './median.js';
import { floor } from './rebuildFloor.js';
import { removeDatabase } from './sqliteFiles.js';
import { cpuSeconds, timedScan, type TimedPass } from './timedScan.js';
import { writeSyntheticLog } from './writeLog.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    logs: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const events = Number(values.events);
const size = { events, customers: Math.max(1, Math.round(events / 20)) };
const rounds = Number(values.rounds);
const pageSize = MAX_BULK_PAGE;

const PASSES = ['raw scan', 'floor', 'sketch, nothing written', 'sketch', 'rebuild'] as const;
type PassName = (typeof PASSES)[number];

async function rebuild(store: ReturnType<typeof openSqliteEventStore>, path: string) {
  removeDatabase(path);
  const db = openReadModel(path);
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const result = await rebuildProjections(projections, {
      store,
      db,
      logger: createLogger('silent'),
      batchSize: pageSize,
    });
    return {
      count: result.eventsRead,
      seconds: (performance.now() - started) / 1000,
      cpu: cpuSeconds(process.cpuUsage(cpu)),
    };
  } finally {
    db.close();
    removeDatabase(path);
  }
}

const dir = values.logs ?? mkdtempSync(join(tmpdir(), 'bench-sketch-'));
const path = join(dir, `log-${events}`);
console.log(
  `bench:rebuild-sketch on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
);
console.log(
  `${rounds} rounds; pages of ${pageSize}; load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
if (values.logs !== undefined && isKeptLog(path, size)) {
  console.log(`reusing the log of ${events.toLocaleString('en-US')} events in ${path}`);
} else {
  mkdirSync(path, { recursive: true });
  discardLog(path);
  await writeSyntheticLog(join(path, 'events.db'), size.events, size.customers);
  markKept(path, size);
}
const store = openSqliteEventStore({ path: join(path, 'events.db') });
const shares = new Map<PassName, number[]>(PASSES.map((name) => [name, []]));
const rates = new Map<PassName, number[]>(PASSES.map((name) => [name, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    const passes: [PassName, TimedPass][] = [
      ['raw scan', await timedScan(store, pageSize, () => undefined)],
      ['floor', await floor(store, pageSize, join(path, 'sketch-floor.db'))],
      [
        'sketch, nothing written',
        await leanSketch(store, pageSize, join(path, 'sketch.db'), false),
      ],
      ['sketch', await leanSketch(store, pageSize, join(path, 'sketch.db'), true)],
      ['rebuild', await rebuild(store, join(path, 'sketch-readmodel.db'))],
    ];
    const scanRate = passes[0]![1].count / passes[0]![1].seconds;
    const line = passes.map(([name, pass]) => {
      const rate = pass.count / pass.seconds;
      rates.get(name)!.push(rate);
      shares.get(name)!.push(rate / scanRate);
      const cpu = ((pass.cpu / pass.count) * 1e6).toFixed(1);
      return `${name} ${Math.round(rate).toLocaleString('en-US')} ev/s (${cpu} µs CPU, ${((rate / scanRate) * 100).toFixed(1)} %)`;
    });
    console.log(`round ${round}: ${line.join('; ')}`);
  }
  console.log('medians (events/s, share of the same round’s raw scan):');
  for (const name of PASSES) {
    const rate = Math.round(median(rates.get(name)!)).toLocaleString('en-US');
    console.log(`  ${name}: ${rate} ev/s, ${(median(shares.get(name)!) * 100).toFixed(1)} %`);
  }
} finally {
  await store.close();
  if (values.logs === undefined) rmSync(dir, { recursive: true, force: true });
}
