/**
 * The server side of `bench/ingress.ts`, run in its own process so the load generator does not
 * share its event loop. Mode `bare`: a node:http hello world. Mode `ingress`: the full ingress
 * (createHttpApp over the real SQLite store with durable group commit, info logs to /dev/null).
 * Talks to the parent over IPC: sends `{ type: 'ready', port }`, answers `stats`, exits on `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHttpApp } from '../src/ingress/app.js';
import { createIngressMetrics } from '../src/ingress/metrics.js';
import { createLogger } from '../src/lib/logger.js';
import { openSqliteEventStore, type SqliteEventStore } from '../src/store/sqliteEventStore.js';

export interface ServerStats {
  readonly type: 'stats';
  readonly responses2xx: number;
  readonly responsesOther: number;
  readonly storedEvents: number;
  readonly cpuMicros: number;
  readonly commits?: unknown;
}

const mode = process.argv[2];
const secret = process.env.BENCH_WEBHOOK_SECRET ?? '';
let store: SqliteEventStore | undefined;
let dir: string | undefined;
let responses2xx = 0;
let responsesOther = 0;

function counted(listener: RequestListener): RequestListener {
  return (req, res) => {
    res.on('finish', () => {
      if (res.statusCode >= 200 && res.statusCode < 300) responses2xx++;
      else responsesOther++;
    });
    listener(req, res);
  };
}

function buildListener(): RequestListener {
  if (mode === 'bare') {
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello world');
    };
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
  });
  const handle = createHttpApp({
    store,
    logger,
    registry,
    webhook: { secrets: [secret] },
  }).callback();
  return (req, res) => void handle(req, res);
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
server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    cpuStart = process.cpuUsage();
    responses2xx = 0;
    responsesOther = 0;
    process.send!({ type: 'reset' });
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage(cpuStart);
    void countStored().then((storedEvents) => {
      const stats: ServerStats = {
        type: 'stats',
        responses2xx,
        responsesOther,
        storedEvents,
        cpuMicros: cpu.user + cpu.system,
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
