/**
 * `npm run bench:rebuild-limits [-- --events N]`: what bounds the rebuild rate on this machine,
 * measured in one run over one synthetic log (default 200,000 events over 10,000 customers),
 * every figure from fresh child processes:
 * (1) every projection in one process, as `compilot-ledger rebuild` runs them;
 * (2) each projection alone: the slowest one bounds any split of the work by projection;
 * (3) two processes at once, each rebuilding half of the projections into the same read model:
 *     what the second core adds to this work;
 * (4) an allocation-heavy loop in one process, then in two at once: how the machine scales
 *     work that keeps the garbage collector busy, as projections do.
 * Prints figures only; no assertions.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../src/projector/rebuildProjections.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { writeSyntheticLog } from './writeLog.js';

interface Timed {
  readonly events: number;
  /** Wall-clock start and end (ms since the epoch), to measure processes that overlap. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly cpuSeconds: number;
}

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    child: { type: 'string' },
    store: { type: 'string' },
    'read-model': { type: 'string' },
  },
});

if (values.child === 'rebuild') {
  process.stdout.write(`${JSON.stringify(await rebuild())}\n`);
} else if (values.child === 'allocate') {
  process.stdout.write(`${JSON.stringify(allocate())}\n`);
} else {
  await main();
}

/** Child: rebuilds the projections BENCH_PROJECTIONS names (comma separated). */
async function rebuild(): Promise<Timed> {
  const names = (process.env.BENCH_PROJECTIONS ?? '').split(',');
  const store = openSqliteEventStore({ path: values.store! });
  const db = openReadModel(values['read-model']!);
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  const result = await rebuildProjections(
    projections.filter((p) => names.includes(p.name)),
    { store, db, logger: createLogger('silent') },
  );
  const endedAt = Date.now();
  const used = process.cpuUsage(cpu);
  db.close();
  await store.close();
  if (result.results.some((r) => r.outcome !== 'switched')) throw new Error('rebuild failed');
  return {
    events: result.eventsRead,
    startedAt,
    endedAt,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** Child: 3 s of short-lived objects, counted in rounds of 10,000. */
function allocate(): Timed {
  const startedAt = Date.now();
  const cpu = process.cpuUsage();
  let rounds = 0;
  let kept: unknown[] = [];
  while (Date.now() - startedAt < 3000) {
    for (let i = 0; i < 10_000; i++) kept.push({ i, text: String(i), pair: [i, i + 1] });
    if (kept.length > 100_000) kept = [];
    rounds++;
  }
  const used = process.cpuUsage(cpu);
  return {
    events: rounds,
    startedAt,
    endedAt: Date.now(),
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

function child(args: string[], env: Record<string, string> = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...args],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Timed);
      else reject(new Error(`bench child ${args.join(' ')} exited ${code}`));
    });
  });
}

/** Events per second over the span the processes ran together (each read the whole log). */
function rate(runs: readonly Timed[]): number {
  const span = Math.max(...runs.map((r) => r.endedAt)) - Math.min(...runs.map((r) => r.startedAt));
  return runs[0]!.events / (span / 1000);
}

async function main(): Promise<void> {
  const events = Number(values.events);
  const customers = Math.max(1, Math.round(events / 20));
  const dir = mkdtempSync(join(tmpdir(), 'bench-rebuild-limits-'));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(
    `bench:rebuild-limits on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  try {
    const storePath = join(dir, 'events.db');
    await writeSyntheticLog(storePath, events, customers);
    console.log(
      `log: ${fmt(events)} events over ${fmt(customers)} customers; target 50,000 events/s\n`,
    );
    let n = 0;
    const run = (names: readonly string[]): Promise<Timed> =>
      child(
        ['--child', 'rebuild', '--store', storePath, '--read-model', join(dir, `rm-${n++}.db`)],
        {
          BENCH_PROJECTIONS: names.join(','),
        },
      );
    const cpuPerEvent = (runs: readonly Timed[]): string =>
      `${((runs.reduce((sum, r) => sum + r.cpuSeconds, 0) / runs[0]!.events) * 1e6).toFixed(1)} us CPU/event`;

    const all = await run(projections.map((p) => p.name));
    console.log(
      `(1) all ${projections.length} projections, one process: ${fmt(rate([all]))} events/s (${cpuPerEvent([all])})`,
    );
    for (const projection of projections) {
      const alone = await run([projection.name]);
      console.log(
        `(2) ${projection.name} alone: ${fmt(rate([alone]))} events/s (${cpuPerEvent([alone])})`,
      );
    }
    const halves = [0, 1].map((half) =>
      projections.filter((_, i) => i % 2 === half).map((p) => p.name),
    );
    const shared = join(dir, 'rm-shared.db');
    const split = await Promise.all(
      halves.map((names) =>
        child(['--child', 'rebuild', '--store', storePath, '--read-model', shared], {
          BENCH_PROJECTIONS: names.join(','),
        }),
      ),
    );
    console.log(
      `(3) two processes at once (${halves.map((h) => h.join(' + ')).join(' | ')}): ` +
        `${fmt(rate(split))} events/s (${cpuPerEvent(split)}), x${(rate(split) / rate([all])).toFixed(2)} of (1)`,
    );
    const one = await child(['--child', 'allocate']);
    const two = await Promise.all([child(['--child', 'allocate']), child(['--child', 'allocate'])]);
    const perSecond = (r: Timed): number => r.events / ((r.endedAt - r.startedAt) / 1000);
    const together = perSecond(two[0]) + perSecond(two[1]);
    console.log(
      `(4) allocation loop: ${fmt(perSecond(one))} rounds/s in one process, ${fmt(together)} in two at once (x${(together / perSecond(one)).toFixed(2)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
