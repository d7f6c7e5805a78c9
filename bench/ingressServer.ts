/**
 * The server side of `bench/ingress.ts`, run in its own process so the load generator does not
 * share its event loop. Mode `bare`: a node:http hello world. Mode `ingress`: the full ingress
 * (createHttpApp over the real SQLite store with durable group commit, info logs to /dev/null);
 * a second argument picks the store's writer (`worker`, the default, or `inline`), a third
 * `no-chain` switches the ledger's hash chain off (benchmark only). Mode
 * `minimal`: only the mandated parts of the route (bench/minimalIngress.ts), nothing stored;
 * `node-http`: the same without Koa.
 * Talks to the parent over IPC: sends `{ type: 'ready', port }`, answers `stats`, exits on `stop`.
 */
import { randomBytes } from 'node:crypto';
import { EncryptingEventStore } from '../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../src/privacy/keyStore.js';
import { masterKeyOf } from '../src/privacy/masterKey.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHttpApp } from '../src/ingress/app.js';
import { createIngressMetrics } from '../src/ingress/ingressMetrics.js';
import { createLogger } from '../src/lib/logger.js';
import {
  openSqliteEventStore,
  type SqliteEventStore,
  type WriterMode,
} from '../src/store/sqliteEventStore.js';
import { minimalIngress, nodeHttpIngress } from './minimalIngress.js';

export interface ServerStats {
  readonly type: 'stats';
  readonly responses2xx: number;
  readonly responsesOther: number;
  readonly storedEvents: number;
  /** The whole process: main thread, writer thread, V8 and libuv helpers. */
  readonly cpuMicros: number;
  /** The main thread (event loop) alone; undefined where /proc is not available. */
  readonly mainThreadCpuMicros?: number;
  /** How late the event loop ran a repeating timer, in ms: a COMMIT on the main thread stalls it. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly commits?: unknown;
}

type Listener = (...args: Parameters<RequestListener>) => void | Promise<void>;

const mode = process.argv[2];
const writer = (process.argv[3] ?? 'worker') as WriterMode;
const chain = process.argv[4] !== 'no-chain';
/** Encryption at rest as the service runs it; `plain` = LEDGER_ENCRYPTION=off. */
const encrypted = process.argv[5] !== 'plain';
const secret = process.env.BENCH_WEBHOOK_SECRET ?? '';
let store: SqliteEventStore | undefined;
let dir: string | undefined;
let responses2xx = 0;
let responsesOther = 0;
/** Requests whose handling has not finished; stats wait for them (appends still committing). */
let active = 0;

/** Counts a request once its handler has finished, whether or not the client still listens. */
function counted(listener: Listener): RequestListener {
  const count = (status: number): void => {
    active--;
    if (status >= 200 && status < 300) responses2xx++;
    else responsesOther++;
  };
  return (req, res) => {
    active++;
    const done = listener(req, res);
    if (done === undefined) count(res.statusCode);
    else void done.then(() => count(res.statusCode));
  };
}

/** CPU time of the main thread in µs, from /proc (Linux); clock ticks are 10 ms. */
function mainThreadCpuMicros(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function settled(): Promise<void> {
  for (let waited = 0; active > 0 && waited < 10_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function buildListener(): Listener {
  if (mode === 'bare') {
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello world');
    };
  }
  if (mode === 'node-http') return nodeHttpIngress(secret);
  if (mode === 'minimal') {
    const handle = minimalIngress(secret).callback();
    return (req, res) => handle(req, res);
  }
  if (mode !== 'ingress') throw new Error(`unknown mode ${String(mode)}`);
  dir = mkdtempSync(join(tmpdir(), 'bench-ingress-'));
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const registry = new Registry();
  const metrics = createIngressMetrics(registry);
  store = openSqliteEventStore({
    path: join(dir, 'events.db'),
    logger,
    onCommit: metrics.observeCommit,
    writer,
    chain,
  });
  const served = encrypted
    ? new EncryptingEventStore(
        store,
        openKeyStore({ path: join(dir, 'keys.db'), master: masterKeyOf(randomBytes(32)) }),
      )
    : store;
  const handle = createHttpApp({
    store: served,
    logger,
    registry,
    webhook: { secrets: [secret] },
  }).callback();
  return (req, res) => handle(req, res);
}

async function countStored(): Promise<number> {
  if (store === undefined) return 0;
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 5000 });
    if (page.length === 0) return count;
    count += page.length;
    after = page.at(-1)!.position;
  }
}

const server = createServer(counted(buildListener()));
server.keepAliveTimeout = 30_000;
let cpuStart = process.cpuUsage();
let mainCpuStart = mainThreadCpuMicros();
const LOOP_DELAY_RESOLUTION_MS = 5;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
loopDelay.enable();
server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    cpuStart = process.cpuUsage();
    mainCpuStart = mainThreadCpuMicros();
    loopDelay.reset();
    responses2xx = 0;
    responsesOther = 0;
    process.send!({ type: 'reset' });
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage(cpuStart);
    const mainCpu = mainThreadCpuMicros();
    // The histogram records whole timer intervals; lateness is what exceeds the resolution.
    const toMs = (nanos: number): number =>
      Math.max(0, Math.round((nanos / 1e6 - LOOP_DELAY_RESOLUTION_MS) * 100) / 100);
    const eventLoopDelayMs = {
      p50: toMs(loopDelay.percentile(50)),
      p99: toMs(loopDelay.percentile(99)),
      max: toMs(loopDelay.max),
    };
    void settled().then(async () => {
      const storedEvents = await countStored();
      const stats: ServerStats = {
        type: 'stats',
        responses2xx,
        responsesOther,
        storedEvents,
        cpuMicros: cpu.user + cpu.system,
        mainThreadCpuMicros:
          mainCpu === undefined || mainCpuStart === undefined ? undefined : mainCpu - mainCpuStart,
        eventLoopDelayMs,
        commits: store?.stats(),
      };
      process.send!(stats);
    });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close();
    void (store?.close() ?? Promise.resolve()).then(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
