/**
 * bench:rebuild's interleaved measure of encryption's cost (`--encryption-interleaved N`).
 *
 * The alternated rounds of rebuildEncryption.ts run one after the other in one process, so a
 * change of this shared VM's speed between rounds, or the process's own history (its heap, its
 * caches), lands on one side only. Here each side rebuilds in a process of its own
 * (rebuildLoop.ts), both alive for the whole measure, and they take turns: one runs for a
 * slice of one second while the other is stopped (SIGSTOP stops every thread of a process), in
 * the order E P, P E, E P, … so that a change of the machine's speed hits both alike, as
 * bench:ingress's `--encryption-slices` does for the ingress. A rebuild's time is the time its
 * process was running between the rebuild's start and end.
 *
 * Each pair of processes does one rebuild each, as a `rebuild` command does, and every pair is
 * a fresh one: two processes doing the same work on this VM differ by themselves. Two
 * plaintext rebuilds of one log, interleaved in one pair of processes, ran at 1.151 to 1 (63.4
 * against 53.0 µs of CPU an event), while rounds repeated within that pair agreed to within a
 * few percent. `--interleaved-control` measures exactly that (plaintext against plaintext), the
 * spread this measure has when there is nothing to find.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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

/** The read model a loop rebuilds into, beside the log (not the alternated measure's). */
export function loopReadModel(path: string, tag: string): string {
  return join(path, `readmodel-${tag}-interleaved.db`);
}

export interface InterleavedRebuild {
  readonly events: number;
  /** Plaintext against encrypted, or (the control) plaintext against plaintext. */
  readonly control: boolean;
  /** Seconds each rebuild's process was running, one rebuild per process, pair by pair. */
  readonly baseSeconds: readonly number[];
  readonly otherSeconds: readonly number[];
  readonly baseCpuSeconds: readonly number[];
  readonly otherCpuSeconds: readonly number[];
  /** Rate of the other side against the base, pair by pair. */
  readonly pairs: readonly number[];
  readonly slices: number;
}

interface Side {
  readonly tag: string;
  readonly child: ChildProcess;
  /** When the parent let this process run: [continued, stopped] on the monotonic clock. */
  readonly running: [bigint, bigint][];
  readonly rebuilt: LoopRebuilt[];
  /** Why the process ended before it was told to; the measure stops with it. */
  ended?: string;
}

interface Settings {
  readonly path: string;
  readonly page: number;
  readonly memoryMb: number;
  readonly execArgv: readonly string[];
}

function start(kind: LoopSide, tag: string, settings: Settings): Promise<Side> {
  const { path, page, memoryMb, execArgv } = settings;
  removeDatabase(loopReadModel(path, tag));
  const child = fork(
    fileURLToPath(new URL('./rebuildLoop.js', import.meta.url)),
    [kind, tag, path, String(page), String(memoryMb)],
    { execArgv: [...execArgv] },
  );
  const side: Side = { tag, child, running: [], rebuilt: [] };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      side.ended = `the ${tag} rebuild loop exited (${code ?? signal})`;
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

interface Measured {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly events: number;
}

/**
 * One pair of fresh processes, in turns until each finished one rebuild. The side that finishes
 * first keeps rebuilding (rebuildLoop.ts loops) and keeps its turns, so the other's last slices
 * still alternate with a busy process, as all its earlier ones did; only first rebuilds count.
 */
async function measurePair(
  kinds: readonly [LoopSide, LoopSide],
  settings: Settings,
  swapped: boolean,
): Promise<{ base: Measured; other: Measured; slices: number }> {
  const started = await Promise.allSettled([
    start(kinds[0], `${kinds[0]}-base`, settings),
    start(kinds[1], `${kinds[1]}-other`, settings),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    for (const s of started) if (s.status === 'fulfilled') s.value.child.kill('SIGKILL');
    throw failed.reason;
  }
  const [base, other] = started.map((s) => (s as PromiseFulfilledResult<Side>).value) as [
    Side,
    Side,
  ];
  // Which side has the first turn alternates from pair to pair: when one side always had it
  // (and was started second), the control found that side ~4 % slower in four pairs of five.
  const first = swapped ? base : other;
  const second = swapped ? other : base;
  const sides = [base, other];
  let slices = 0;
  try {
    for (const side of sides) {
      side.child.kill('SIGSTOP');
      side.child.send({ type: 'go' });
    }
    while (sides.some((side) => side.rebuilt.length === 0)) {
      const ended = sides.find((side) => side.ended !== undefined);
      if (ended) throw new Error(ended.ended);
      for (const side of slices % 2 === 0 ? [first, second] : [second, first]) await slice(side);
      slices += 1;
    }
  } finally {
    for (const side of sides) {
      side.child.removeAllListeners('exit');
      // SIGKILL ends a stopped process too; the read models it leaves are removed below.
      side.child.kill('SIGKILL');
    }
    await sleep(100);
    for (const side of sides) removeDatabase(loopReadModel(settings.path, side.tag));
  }
  const firstRebuild = (side: Side): Measured => {
    const r = side.rebuilt[0]!;
    const seconds = runningSeconds(side, BigInt(r.startNs), BigInt(r.endNs));
    return { seconds, cpuSeconds: r.cpuSeconds, events: r.events };
  };
  return { base: firstRebuild(base), other: firstRebuild(other), slices };
}

/** `pairs` pairs of fresh processes, one rebuild each; `control`: both plaintext. */
export async function measureInterleavedRebuild(
  settings: Settings,
  pairs: number,
  control = false,
): Promise<InterleavedRebuild> {
  const kinds = ['plain', control ? 'plain' : 'encrypted'] as const;
  const measured = [];
  for (let i = 0; i < pairs; i++) measured.push(await measurePair(kinds, settings, i % 2 === 1));
  const events = measured[0]!.base.events;
  if (measured.some((m) => m.base.events !== events || m.other.events !== events)) {
    throw new Error('the plaintext and encrypted logs differ in length');
  }
  const baseSeconds = measured.map((m) => m.base.seconds);
  const otherSeconds = measured.map((m) => m.other.seconds);
  return {
    events,
    control,
    baseSeconds,
    otherSeconds,
    baseCpuSeconds: measured.map((m) => m.base.cpuSeconds),
    otherCpuSeconds: measured.map((m) => m.other.cpuSeconds),
    pairs: baseSeconds.map((p, i) => p / otherSeconds[i]!),
    slices: measured.reduce((total, m) => total + m.slices, 0),
  };
}

export function reportInterleavedRebuild(m: InterleavedRebuild): void {
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const rate = (seconds: readonly number[]): string =>
    `${Math.round((m.events * seconds.length) / sum(seconds)).toLocaleString('en-US')} events/s`;
  const us = (cpu: readonly number[]): string =>
    `${((sum(cpu) / (m.events * cpu.length)) * 1e6).toFixed(1)} us CPU/event`;
  const [base, other] = m.control
    ? ['plaintext (first)', 'plaintext (second)']
    : ['plaintext', 'encrypted'];
  console.log(
    `  ${m.control ? 'control: the same plaintext rebuild twice' : 'encryption at rest'}, interleaved (${m.pairs.length} pairs of fresh processes, one rebuild each, in 1-second turns; ${m.slices} turns each):`,
  );
  console.log(
    `    ${base} ${rate(m.baseSeconds)} (${us(m.baseCpuSeconds)}), ${other} ${rate(m.otherSeconds)} (${us(m.otherCpuSeconds)})`,
  );
  console.log(
    `    ${m.control ? 'second / first' : 'with / without encryption'}: pairs ${m.pairs.map((r) => r.toFixed(3)).join(' / ')}, median ${median(m.pairs).toFixed(3)}${m.control ? " (nothing to find: the spread is the method's own)" : ' (target: 0.85 or more)'}; ` +
      `over all ${(sum(m.baseSeconds) / sum(m.otherSeconds)).toFixed(3)}; running seconds ${m.baseSeconds.map((s) => s.toFixed(1)).join(' / ')} against ${m.otherSeconds.map((s) => s.toFixed(1)).join(' / ')}`,
  );
}
