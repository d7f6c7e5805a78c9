/**
 * bench:ingress's interleaved measure of encryption's cost (`--encryption-slices N`). The
 * alternated 10-second runs of `--encryption-rounds` swing by ±15 % on this shared 2-vCPU VM,
 * whose speed changes from one minute to the next (docs/performance.md), so a pair measures the
 * machine as much as the code. Here the encrypted and the plaintext ingress run side by side
 * for the whole measure, each in its own process with its own store, and take turns: N slices
 * of one second each, in the order E P, P E, E P, … so that a change of the machine's speed
 * hits both alike. Only one is loaded at a time. Each sees the same deliveries in the same
 * order, new customers included, so the encrypted one creates the same keys the service would.
 */
import autocannon from 'autocannon';
import type { CustomerOf, PreparedRequest } from './ingressDeliveries.js';
import { prepare, webhookRequests } from './ingressDeliveries.js';
import type { ServerStats } from './ingressServer.js';
import { ask, CONNECTIONS, startServer, stopServer, type Mode } from './ingressProcesses.js';
import { median } from './median.js';

const SLICE_SECONDS = 1;

export interface InterleavedFigures {
  readonly workload: string;
  /** Requests answered 2xx a second over each server's own slices. */
  readonly encryptedReqPerSec: number;
  readonly plaintextReqPerSec: number;
  /** Each slice pair's ratio (encrypted / plaintext). */
  readonly slicePairs: readonly number[];
  /** Server CPU (whole process) per request over the measure, µs. */
  readonly encryptedCpuMicros: number;
  readonly plaintextCpuMicros: number;
  /** Every 2xx of both servers was in their stores, and none answered otherwise. */
  readonly consistent: boolean;
}

interface Side {
  readonly mode: Mode;
  readonly port: number;
  readonly requests: autocannon.Request[];
  readonly perSlice: number[];
  answered: number;
  other: number;
}

/**
 * `control`: both servers plaintext, the measure's own spread when there is nothing to find
 * (three runs gave 1.005, 1.007 and 1.027 on 7 Dec: unlike two rebuild processes, two ingress
 * servers doing the same work keep within a few percent of each other).
 */
export async function measureInterleaved(
  workload: string,
  customerOf: CustomerOf,
  slices: number,
  preparedCount: number,
  control = false,
): Promise<InterleavedFigures> {
  const prepared: PreparedRequest[] = Array.from({ length: preparedCount }, (_, n) =>
    prepare(n, customerOf),
  );
  const modes: Mode[] = [control ? 'ingress-plain' : 'ingress', 'ingress-plain'];
  const started = await Promise.all(modes.map((mode) => startServer(mode)));
  const sides: Side[] = started.map(({ port }, i) => ({
    mode: modes[i]!,
    port,
    requests: webhookRequests(prepared, customerOf),
    perSlice: [],
    answered: 0,
    other: 0,
  }));
  try {
    for (const { child } of started) await ask(child, 'reset');
    for (let slice = 0; slice < slices; slice++) {
      const order = slice % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const result = await autocannon({
          url: `http://127.0.0.1:${side.port}`,
          connections: CONNECTIONS,
          duration: SLICE_SECONDS,
          requests: side.requests,
        });
        side.perSlice.push(result['2xx'] / SLICE_SECONDS);
        side.answered += result['2xx'];
        side.other += result.non2xx + result.errors;
      }
    }
    const stats = await Promise.all(started.map(({ child }) => ask<ServerStats>(child, 'stats')));
    const cpuPerRequest = (s: ServerStats): number =>
      s.cpuMicros / Math.max(1, s.responses2xx + s.responsesOther);
    const [encrypted, plaintext] = sides as [Side, Side];
    return {
      workload,
      encryptedReqPerSec: encrypted.answered / (slices * SLICE_SECONDS),
      plaintextReqPerSec: plaintext.answered / (slices * SLICE_SECONDS),
      slicePairs: encrypted.perSlice.map((rate, i) => rate / plaintext.perSlice[i]!),
      encryptedCpuMicros: cpuPerRequest(stats[0]!),
      plaintextCpuMicros: cpuPerRequest(stats[1]!),
      consistent:
        sides.every((side) => side.other === 0) &&
        stats.every((s) => s.storedEvents === s.responses2xx && s.responsesOther === 0),
    };
  } finally {
    for (const { child } of started) {
      await stopServer(child);
    }
  }
}

export function interleavedLines(figures: InterleavedFigures): string[] {
  const { encryptedReqPerSec: e, plaintextReqPerSec: p, slicePairs } = figures;
  return [
    `interleaved, ${figures.workload}: (b) ${e.toFixed(0)} req/s (${figures.encryptedCpuMicros.toFixed(0)} µs CPU a request), ` +
      `(b'') ${p.toFixed(0)} req/s (${figures.plaintextCpuMicros.toFixed(0)} µs), ` +
      `b/b'' ${(e / p).toFixed(3)} (within 15 % means >= 0.850)`,
    `  ${slicePairs.length} slice pairs: median ${median(slicePairs).toFixed(3)}, ` +
      `range ${Math.min(...slicePairs).toFixed(3)}-${Math.max(...slicePairs).toFixed(3)}; ` +
      `every 2xx in its store: ${figures.consistent ? 'OK' : 'MISMATCH'}`,
  ];
}
