/**
 * bench:rebuild's interleaved measure of encryption's cost (`--encryption-interleaved N`). The
 * alternated rounds of rebuildEncryption.ts run one after the other in one process, so a
 * change of this shared VM's speed between rounds, or the process's own history (its heap, its
 * caches), lands on one side only: the same log's ratio moved between ~0.78 and ~0.96 from one
 * run to the next. Here each side rebuilds in a process of its own (rebuildLoop.ts), both alive
 * for the whole measure, and they take turns: one runs for a slice of one second while the
 * other is stopped (SIGSTOP stops every thread of a process), in the order E P, P E, E P, … so
 * that a change of the machine's speed hits both alike, as bench:ingress's
 * `--encryption-slices` does for the ingress. A rebuild's time is the time its process was
 * running between the rebuild's start and end; each side runs N rebuilds at least, and pair i
 * compares the two sides' i-th rebuilds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { median } from './median.js';
import { removeDatabase } from './sqliteFiles.js';

const SLICE_MS = 1000;

export type LoopSide = 'plain' | 'encrypted';

/** What the loop sends its parent after each rebuild. */
export interface LoopRebuilt {
  readonly type: 'rebuilt';
  /** process.hrtime.bigint() at the start and end, as decimal strings (IPC carries no bigint). */
  readonly startNs: string;
  readonly endNs: string;
  readonly events: number;
  /** CPU seconds of the whole process (its decrypt and seal threads included). */
  readonly cpuSeconds: number;
}

/** The read model each side rebuilds into, beside the log (not the alternated measure's). */
export function loopReadModel(path: string, side: LoopSide): string {
  return join(path, `readmodel-${side}-interleaved.db`);
}

export interface InterleavedRebuild {
  readonly events: number;
  /** Seconds each rebuild's process was running, in the order they finished. */
  readonly plainSeconds: readonly number[];
  readonly encryptedSeconds: readonly number[];
  readonly plainCpuSeconds: readonly number[];
  readonly encryptedCpuSeconds: readonly number[];
  /** Rate with / without encryption of each pair of rebuilds (the i-th of each side). */
  readonly pairs: readonly number[];
  readonly slices: number;
}

interface Side {
  readonly name: LoopSide;
  readonly child: ChildProcess;
  /** When the parent let this process run: [continued, stopped] on the monotonic clock. */
  readonly running: [bigint, bigint][];
  readonly rebuilt: LoopRebuilt[];
  /** Why the process ended before it was told to; the measure stops with it. */
  ended?: string;
}

function start(
  name: LoopSide,
  path: string,
  page: number,
  memoryMb: number,
  execArgv: readonly string[],
): Promise<Side> {
  removeDatabase(loopReadModel(path, name));
  const child = fork(
    fileURLToPath(new URL('./rebuildLoop.js', import.meta.url)),
    [name, path, String(page), String(memoryMb)],
    { execArgv: [...execArgv] },
  );
  const side: Side = { name, child, running: [], rebuilt: [] };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      side.ended = `the ${name} rebuild loop exited (${code ?? signal})`;
      reject(new Error(side.ended));
    });
    child.on('message', (message: { type: string }) => {
      if (message.type === 'ready') resolve(side);
      else if (message.type === 'rebuilt') side.rebuilt.push(message as LoopRebuilt);
    });
  });
}

/** Seconds `side` was running between `from` and `to`. */
function runningSeconds(side: Side, from: bigint, to: bigint): number {
  let ns = 0n;
  for (const [continued, stopped] of side.running) {
    const a = continued > from ? continued : from;
    const b = stopped < to ? stopped : to;
    if (b > a) ns += b - a;
  }
  return Number(ns) / 1e9;
}

/** One slice: `side` runs alone for SLICE_MS, counted from just before it is continued. */
async function slice(side: Side): Promise<void> {
  const continued = process.hrtime.bigint();
  side.child.kill('SIGCONT');
  await sleep(SLICE_MS);
  side.child.kill('SIGSTOP');
  // Counted up to after the signal is sent: a stop not yet taken is counted as running.
  side.running.push([continued, process.hrtime.bigint()]);
}

export async function measureInterleavedRebuild(
  path: string,
  page: number,
  memoryMb: number,
  rounds: number,
  execArgv: readonly string[],
): Promise<InterleavedRebuild> {
  const sides = await Promise.all(
    (['encrypted', 'plain'] as const).map((name) => start(name, path, page, memoryMb, execArgv)),
  );
  const [encrypted, plain] = sides as [Side, Side];
  let slices = 0;
  try {
    for (const side of sides) {
      side.child.kill('SIGSTOP');
      side.child.send({ type: 'go' });
    }
    while (sides.some((side) => side.rebuilt.length < rounds)) {
      const ended = sides.find((side) => side.ended !== undefined);
      if (ended) throw new Error(ended.ended);
      const order = slices % 2 === 0 ? [encrypted, plain] : [plain, encrypted];
      for (const side of order) await slice(side);
      slices += 1;
    }
  } finally {
    for (const side of sides) {
      side.child.removeAllListeners('exit');
      // SIGKILL ends a stopped process too; the read models it leaves are removed below.
      side.child.kill('SIGKILL');
    }
    await sleep(100);
    for (const side of sides) removeDatabase(loopReadModel(path, side.name));
  }
  const seconds = (side: Side): number[] =>
    side.rebuilt
      .slice(0, rounds)
      .map((r) => runningSeconds(side, BigInt(r.startNs), BigInt(r.endNs)));
  const plainSeconds = seconds(plain);
  const encryptedSeconds = seconds(encrypted);
  const events = plain.rebuilt[0]!.events;
  if (encrypted.rebuilt.some((r) => r.events !== events)) {
    throw new Error('the plaintext and encrypted logs differ in length');
  }
  return {
    events,
    plainSeconds,
    encryptedSeconds,
    plainCpuSeconds: plain.rebuilt.slice(0, rounds).map((r) => r.cpuSeconds),
    encryptedCpuSeconds: encrypted.rebuilt.slice(0, rounds).map((r) => r.cpuSeconds),
    pairs: plainSeconds.map((p, i) => p / encryptedSeconds[i]!),
    slices,
  };
}

export function reportInterleavedRebuild(m: InterleavedRebuild): void {
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const rate = (seconds: readonly number[]): string =>
    `${Math.round((m.events * seconds.length) / sum(seconds)).toLocaleString('en-US')} events/s`;
  const us = (cpu: readonly number[]): string =>
    `${((sum(cpu) / (m.events * cpu.length)) * 1e6).toFixed(1)} us CPU/event`;
  console.log(
    `  encryption at rest, interleaved (${m.plainSeconds.length} rebuilds each in 1-second turns, ${m.slices} turns each):`,
  );
  console.log(
    `    plaintext ${rate(m.plainSeconds)} (${us(m.plainCpuSeconds)}), encrypted ${rate(m.encryptedSeconds)} (${us(m.encryptedCpuSeconds)})`,
  );
  console.log(
    `    with / without encryption: rate ${(sum(m.plainSeconds) / sum(m.encryptedSeconds)).toFixed(3)} over all (target: 0.85 or more); ` +
      `pairs ${m.pairs.map((r) => r.toFixed(3)).join(' / ')}, median ${median(m.pairs).toFixed(3)}; ` +
      `running seconds plaintext ${m.plainSeconds.map((s) => s.toFixed(1)).join(' / ')}, encrypted ${m.encryptedSeconds.map((s) => s.toFixed(1)).join(' / ')}`,
  );
}
