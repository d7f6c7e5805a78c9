/**
 * `npm run bench:ingress`: autocannon on 127.0.0.1, 50 connections, ~10 s per run, against
 * (a) a bare node:http hello world and (b) the full ingress with durable group commit (real svix
 * signatures, distinct svix ids, ~1 KB customer.updated bodies). Each server runs in its own
 * child process. Prints req/s, p50, p99, the server's CPU per request (whole process, and its
 * main thread alone), the ratio b/a, the machine and its load average (other work on the machine
 * skews every figure), and how late the server's event loop ran; then checks that the store
 * holds exactly one event per 2xx answer. (c), a ceiling measured in the same run: only the parts
 * the design card mandates for the route (Koa, @koa/router, raw body, svix verify, ajv), storing
 * nothing; no durable ingress built on these parts can beat it. (d): (c) on node:http without
 * Koa. `-- --compare-inline` adds (e): (b) with the store's writer on the main thread
 * (`writer: 'inline'`) instead of its writer thread. (b'): (b) with the ledger's hash chain
 * switched off (a benchmark-only store option), run right after (b) so the cost of chaining is
 * the ratio b/b' of one run. (b) runs with encryption at rest (src/privacy/) as the service does;
 * (b''): (b) with LEDGER_ENCRYPTION=off, run in the same run, so b/b'' is its cost;
 * `-- --encryption-rounds N` runs N-1 more pairs of (b) and (b'') after the table and reports
 * each pair's ratio and their median (one pair on this 2-vCPU machine swings by ±15 %);
 * `-- --encryption-slices N` measures the same ratio with both servers running side by side,
 * taking turns in N one-second slices each (bench/ingressInterleaved.ts), for two workloads:
 * the table's (1,000 customers in turn) and a steady flow of new customers; with
 * `--slices-control`, each first as a control (plaintext against plaintext).
 */
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { cycling, prepare, steadyNewCustomers, webhookRequests } from './ingressDeliveries.js';
import { interleavedLines, measureInterleaved } from './ingressInterleaved.js';
import type { ServerStats } from './ingressServer.js';
import { ask, CONNECTIONS, startServer, stopServer, type Mode } from './ingressProcesses.js';
import { median } from './median.js';

const DURATION_SECONDS = 10;
/** Enough distinct deliveries for ~10k req/s over the run; more are signed on the fly. */
const PREPARED = 60_000;
/** Deliveries signed ahead per one-second slice of `--encryption-slices` (above any rate seen). */
const PREPARED_PER_SLICE = 3_500;

interface Figures {
  readonly name: string;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly responses2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly serverCpuMicrosPerReq: number;
  readonly mainThreadCpuMicrosPerReq?: number;
  readonly server: ServerStats;
}

async function run(name: string, mode: Mode, requests: autocannon.Request[]): Promise<Figures> {
  const { child, port } = await startServer(mode);
  await ask(child, 'reset');
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    requests,
  });
  const server = await ask<ServerStats>(child, 'stats');
  await stopServer(child);
  const handled = server.responses2xx + server.responsesOther;
  const perRequest = (micros: number): number => (handled === 0 ? 0 : micros / handled);
  return {
    name,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpuMicrosPerReq: perRequest(server.cpuMicros),
    mainThreadCpuMicrosPerReq:
      server.mainThreadCpuMicros === undefined ? undefined : perRequest(server.mainThreadCpuMicros),
    server,
  };
}

function line(figures: Figures): string {
  return [
    figures.name.padEnd(44),
    figures.reqPerSec.toFixed(0).padStart(8),
    `${figures.p50} ms`.padStart(8),
    `${figures.p99} ms`.padStart(8),
    figures.serverCpuMicrosPerReq.toFixed(0).padStart(10),
    (figures.mainThreadCpuMicrosPerReq?.toFixed(0) ?? '-').padStart(11),
    `${figures.non2xx}/${figures.errors}`.padStart(12),
  ].join('  ');
}

/** The store must hold exactly one event per 2xx the server gave. */
function check(figures: Figures): boolean {
  const { responses2xx, storedEvents } = figures.server;
  const consistent = storedEvents === responses2xx && figures.responses2xx <= responses2xx;
  console.log(
    `check ${figures.name.slice(0, figures.name.indexOf(')') + 1)}: server answered 2xx ${responses2xx} times, store holds ` +
      `${storedEvents} events, autocannon counted ${figures.responses2xx} 2xx (answers in flight ` +
      `at the cut-off are not counted by autocannon) -> ${consistent ? 'OK' : 'MISMATCH'}`,
  );
  return consistent && figures.non2xx === 0;
}

async function main(): Promise<void> {
  const compareInline = process.argv.includes('--compare-inline');
  const roundsAt = process.argv.indexOf('--encryption-rounds');
  const encryptionRounds = roundsAt === -1 ? 1 : Number(process.argv[roundsAt + 1]);
  if (!Number.isInteger(encryptionRounds) || encryptionRounds < 1) {
    throw new Error('--encryption-rounds takes a whole number of pairs, 1 or more');
  }
  const slicesControl = process.argv.includes('--slices-control');
  const slicesAt = process.argv.indexOf('--encryption-slices');
  const encryptionSlices = slicesAt === -1 ? 0 : Number(process.argv[slicesAt + 1]);
  if (!Number.isInteger(encryptionSlices) || encryptionSlices < 0) {
    throw new Error('--encryption-slices takes a whole number of one-second slices per server');
  }
  const cpu = cpus();
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}`,
  );
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION_SECONDS} s per run, 127.0.0.1`);
  console.log(`load average before: ${load()}`);

  const bare = await run('(a) bare node:http hello world', 'bare', [{ method: 'GET', path: '/' }]);

  const started = Date.now();
  const prepared = Array.from({ length: PREPARED }, (_, n) => prepare(n));
  console.log(`signed ${PREPARED} distinct deliveries in ${Date.now() - started} ms`);
  const rows = [
    bare,
    await run('(b) full ingress, durable group commit', 'ingress', webhookRequests(prepared)),
    await run("(b') as (b), hash chain off", 'ingress-no-chain', webhookRequests(prepared)),
    await run("(b'') as (b), LEDGER_ENCRYPTION=off", 'ingress-plain', webhookRequests(prepared)),
  ];
  rows.push(
    await run('(c) ceiling: Koa+router+svix+ajv only', 'minimal', webhookRequests(prepared)),
    await run('(d) as (c) without Koa: node:http', 'node-http', webhookRequests(prepared)),
  );
  if (compareInline) {
    rows.push(
      await run(
        '(e) as (b), writer on the main thread',
        'ingress-inline',
        webhookRequests(prepared),
      ),
    );
  }

  console.log('');
  console.log(
    [
      'server'.padEnd(44),
      'req/s'.padStart(8),
      'p50'.padStart(8),
      'p99'.padStart(8),
      'cpu µs/req'.padStart(10),
      'main thread'.padStart(11),
      'non2xx/err'.padStart(12),
    ].join('  '),
  );
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const row of rows.slice(1)) {
    const label = row.name.slice(1, row.name.indexOf(')'));
    console.log(`ratio ${label}/a (req/s): ${(row.reqPerSec / bare.reqPerSec).toFixed(3)}`);
  }
  const [, chained, unchained, plaintext] = rows as [Figures, Figures, Figures, Figures];
  let ok = true;
  console.log(
    `ratio b/b'' (req/s, cost of encryption at rest; within 15 % means >= 0.850): ` +
      (chained.reqPerSec / plaintext.reqPerSec).toFixed(3),
  );
  const pairs = [chained.reqPerSec / plaintext.reqPerSec];
  for (let round = 1; round < encryptionRounds; round++) {
    const b = await run('(b) again', 'ingress', webhookRequests(prepared));
    const plain = await run("(b'') again", 'ingress-plain', webhookRequests(prepared));
    ok = check(b) && check(plain) && ok;
    pairs.push(b.reqPerSec / plain.reqPerSec);
  }
  if (pairs.length > 1) {
    console.log(
      `ratio b/b'' pair by pair: ${pairs.map((r) => r.toFixed(3)).join(' / ')}; median ${median(pairs).toFixed(3)}`,
    );
  }
  console.log(
    `ratio b/b' (req/s, cost of the hash chain; within 10 % means >= 0.900): ` +
      (chained.reqPerSec / unchained.reqPerSec).toFixed(3),
  );
  if (encryptionSlices > 0) {
    for (const [workload, customerOf] of [
      ['1,000 customers in turn', cycling],
      ['a new customer every 20th delivery', steadyNewCustomers()],
    ] as const) {
      if (slicesControl) {
        const control = await measureInterleaved(
          `${workload}, control: plaintext against plaintext`,
          customerOf,
          encryptionSlices,
          encryptionSlices * PREPARED_PER_SLICE,
          true,
        );
        for (const text of interleavedLines(control)) console.log(text);
        ok = control.consistent && ok;
      }
      const figures = await measureInterleaved(
        workload,
        customerOf,
        encryptionSlices,
        encryptionSlices * PREPARED_PER_SLICE,
      );
      for (const text of interleavedLines(figures)) console.log(text);
      ok = figures.consistent && ok;
    }
  }
  console.log(`load average after: ${load()}`);
  console.log(`ingress body size: ~${Buffer.byteLength(prepared[0]!.body)} bytes`);
  for (const row of rows.slice(1)) {
    if (row.name.startsWith('(c)') || row.name.startsWith('(d)')) {
      ok = row.non2xx === 0 && ok;
      continue;
    }
    const delay = row.server.eventLoopDelayMs;
    console.log(
      `event loop delay ${row.name.slice(0, row.name.indexOf(')') + 1)}: p50 ${delay.p50} ms, p99 ${delay.p99} ms, ` +
        `max ${delay.max} ms (timer lateness on the server's main thread)`,
    );
    console.log(
      `store commits ${row.name.slice(0, row.name.indexOf(')') + 1)}: ${JSON.stringify(row.server.commits)}`,
    );
    ok = check(row) && ok;
  }
  if (!ok) process.exitCode = 1;
}

await main();
