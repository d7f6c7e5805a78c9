/**
 * Composition root: builds the adapters named by the config, starts the processors and the HTTP
 * server, and knows the order to stop them in. Nothing else constructs concrete adapters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { projections } from '../projections/index.js';
import type { FetchLike } from './compilot/client.js';
import { compilotClientFromConfig } from './compilot/fromConfig.js';
import type { Config, LedgerConfig } from './config.js';
import { createHttpApp } from './ingress/app.js';
import type { ReadinessCheck } from './ingress/health.js';
import { createIngressMetrics } from './ingress/metrics.js';
import { createCheckpointer } from './ledger/checkpointer.js';
import { startCheckpointSchedule, type CheckpointSchedule } from './ledger/checkpointSchedule.js';
import type { Logger } from './lib/logger.js';
import { createCheckpointStore } from './processing/checkpointStore.js';
import { startEnrichment, type EnrichmentProcessor } from './processing/enrichment.js';
import { openReadModel, type ReadModelDb } from './projections/readModelStore.js';
import { startProjections, type ProjectionRunner } from './projections/runner.js';
import { createQueryRouter } from './query/router.js';
import { recordPreLedgerEvents } from './ledger/backfill.js';
import { StoreUnavailableError, type EventStore } from './store/eventStore.js';
import { openEventStore } from './store/openEventStore.js';

export interface ServiceOptions {
  /** Replaces node-fetch for the ComPilot client (tests). */
  readonly fetch?: FetchLike;
  /** Signed checkpoints (every interval and at shutdown) when it holds a signing key. */
  readonly ledger?: LedgerConfig;
}

export interface RunningService {
  /** The port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  readonly url: string;
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly projections: ProjectionRunner;
  readonly enrichment: EnrichmentProcessor | undefined;
  /** Stops accepting, finishes in-flight requests and commits, stops processors, closes stores. */
  close(): Promise<void>;
}

export async function startService(
  config: Config,
  logger: Logger,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'compilot_ledger_process_' });
  const ingressMetrics = createIngressMetrics(registry);
  const store = openEventStore(config.eventStore, logger, {
    onCommit: ingressMetrics.observeCommit,
  });
  await recordPreLedgerEventsOnStart(store, logger);
  const readModelDb = openReadModel(config.readModelPath);
  const stop = new AbortController();

  const projectionRunner = startProjections({
    store,
    db: readModelDb,
    projections,
    logger,
    registry,
    onError: config.projectionOnError,
    batchSize: config.projectionBatchSize,
    signal: stop.signal,
    rebuildThreads: {
      eventStore: config.eventStore,
      readModelPath: config.readModelPath,
      logLevel: config.logLevel,
    },
  });
  const enrichment = startEnrichmentIfConfigured(config, logger, {
    store,
    readModelDb,
    registry,
    signal: stop.signal,
    fetch: options.fetch,
  });

  const readinessChecks: ReadinessCheck[] = [
    {
      name: 'projections',
      check: () => Promise.resolve(describeProjectionProblems(projectionRunner)),
    },
  ];
  const app = createHttpApp({
    store,
    logger,
    registry,
    webhook: { secrets: config.webhookSecrets, maxBodyBytes: config.webhookMaxBodyBytes },
    readinessChecks,
    routers: [
      createQueryRouter({
        store,
        readModelDb,
        // Retired secrets re-verify stored deliveries only; ingress never accepts with them.
        secrets: [...config.webhookSecrets, ...config.retiredWebhookSecrets],
        tokens: config.queryApiTokens,
        logger,
      }),
    ],
  });

  // Koa's callback returns a promise that never rejects (errors are handled inside).
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  // Svix waits at most 15 s for an answer; a client slower than this is not Svix.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;
  const checkpoints = startCheckpointsIfConfigured(options.ledger, store, logger);
  logger.info(
    {
      port,
      host: config.host,
      eventStore: config.eventStore.kind,
      enrichment: enrichment ? 'on' : 'off',
      queryApi: config.queryApiTokens.length > 0 ? 'on' : 'off',
    },
    'listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down: no new requests, finishing in-flight ones');
      await closeServer(server, config.shutdownTimeoutMs);
      stop.abort();
      await Promise.all([projectionRunner.done, enrichment?.done]);
      // After the last write of this instance, so the shutdown checkpoint covers all of them.
      await checkpoints?.stop();
      await store.close();
      readModelDb.close();
      logger.info('stopped');
    })();
    return closing;
  };

  return {
    port,
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    store,
    readModelDb,
    projections: projectionRunner,
    enrichment,
    close,
  };
}

/**
 * Before anything else writes, pre-ledger events get their after-the-fact record. A store that
 * cannot be reached now (KurrentDB down) does not stop the start: the chain itself needs no
 * record, which is then written at a later start. Any other failure stops the start.
 */
async function recordPreLedgerEventsOnStart(store: EventStore, logger: Logger): Promise<void> {
  try {
    await recordPreLedgerEvents(store, { logger });
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      logger.warn({ err: error }, 'could not check the store for events written before the ledger');
      return;
    }
    await store.close();
    throw error;
  }
}

function startEnrichmentIfConfigured(
  config: Config,
  logger: Logger,
  deps: {
    store: EventStore;
    readModelDb: ReadModelDb;
    registry: Registry;
    signal: AbortSignal;
    fetch: FetchLike | undefined;
  },
): EnrichmentProcessor | undefined {
  const client = compilotClientFromConfig(config.compilotApi, {
    logger,
    registry: deps.registry,
    fetch: deps.fetch,
  });
  if (client === undefined) {
    logger.warn('enrichment off: COMPILOT_API_KEY is not set, customer details are not fetched');
    return undefined;
  }
  return startEnrichment({
    store: deps.store,
    client,
    checkpoints: createCheckpointStore(deps.readModelDb),
    logger,
    registry: deps.registry,
    signal: deps.signal,
    concurrency: config.compilotApi.maxConcurrency,
  });
}

function startCheckpointsIfConfigured(
  ledger: LedgerConfig | undefined,
  store: EventStore,
  logger: Logger,
): CheckpointSchedule | undefined {
  if (ledger === undefined) return undefined;
  if (ledger.signingKey === undefined) {
    logger.warn('checkpoints off: LEDGER_SIGNING_KEY is not set, the log is not anchored');
    return undefined;
  }
  const checkpointer = createCheckpointer({
    store,
    key: ledger.signingKey,
    sink: ledger.checkpointSink,
    logger,
  });
  return startCheckpointSchedule({ checkpointer, intervalMs: ledger.checkpointIntervalMs, logger });
}

function describeProjectionProblems(runner: ProjectionRunner): string | undefined {
  const status = runner.status();
  if (status.ready) return undefined;
  const problems = status.projections.flatMap((p) => {
    if (p.poisoned) return [`${p.name} stopped at poison event ${p.poisoned.position}`];
    if (p.servingGeneration === null) return [`${p.name} has not finished its first build`];
    if (!p.caughtUp) return [`${p.name} is catching up`];
    return [];
  });
  return problems.join('; ') || 'projections not ready';
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, lets in-flight requests finish, and cuts what is left after the timeout. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
