/**
 * Composition root: builds the adapters named by the config, starts the processors and the HTTP
 * server, and knows the order to stop them in. Nothing else constructs concrete adapters.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { projections } from '../projections/index.js';
import type { CompilotClient, FetchLike } from './compilot/client.js';
import { compilotClientFromConfig } from './compilot/fromConfig.js';
import type { Config, LedgerConfig, RetentionConfig } from './config.js';
import { createHttpApp } from './ingress/app.js';
import type { ReadinessCheck } from './ingress/health.js';
import { createIngressMetrics } from './ingress/ingressMetrics.js';
import { createCheckpointer } from './ledger/checkpointer.js';
import { startCheckpointSchedule, type CheckpointSchedule } from './ledger/checkpointSchedule.js';
import type { Logger } from './lib/logger.js';
import { createDrainingServer } from './lib/drainingServer.js';
import { METRIC_PREFIX } from './lib/metrics.js';
import { createCheckpointStore } from './processing/checkpointStore.js';
import { startEnrichment, type EnrichmentProcessor } from './processing/enrichment.js';
import { openReadModel, type ReadModelDb } from './readmodel/readModelStore.js';
import { startProjections, type ProjectionRunner } from './projector/runner.js';
import { createQueryRouter } from './query/router.js';
import { recordPreLedgerEvents } from './ledger/backfill.js';
import { createReconcileMetrics } from './reconcile/reconcileMetrics.js';
import { startReconcileSchedule, type ReconcileSchedule } from './reconcile/reconcileSchedule.js';
import { latestFinishedRun } from './reconcile/runHistory.js';
import { StoreUnavailableError, type EventStore } from './store/eventStore.js';
import { openEventStore } from './store/openEventStore.js';
import { sealReadModelFor } from './projector/readModelSealing.js';
import { createUiRouter } from './ui/uiRouter.js';
import {
  recoverErasuresOnStart,
  startRetentionIfConfigured,
} from './retention/serviceRetention.js';
import { loadSchemaSet } from './validation/schemas.js';

export interface ServiceOptions {
  /** Replaces node-fetch for the ComPilot client (tests). */
  readonly fetch?: FetchLike;
  /** Signed checkpoints (every interval and at shutdown) when it holds a signing key. */
  readonly ledger?: LedgerConfig;
  /** Erasure recovery at start; with `enforce`, the retention schedule. */
  readonly retention?: RetentionConfig;
}

export interface RunningService {
  /** The port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  readonly url: string;
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly projections: ProjectionRunner;
  readonly enrichment: EnrichmentProcessor | undefined;
  /** The scheduled reconciliation (RECONCILE_INTERVAL_MS), when on. */
  readonly reconciliation: ReconcileSchedule | undefined;
  /** Stops accepting, finishes in-flight requests and commits, stops processors, closes stores. */
  close(): Promise<void>;
}

export async function startService(
  config: Config,
  logger: Logger,
  options: ServiceOptions = {},
): Promise<RunningService> {
  // Compiled before anything is opened: a broken schema then has nothing to undo.
  const schemas = loadSchemaSet();
  // What has been started so far, undone in reverse order when a later step fails, so a start
  // that fails never leaves the store, projections or enrichment running without a server.
  const undo: (() => Promise<void> | void)[] = [];
  try {
    const registry = new Registry();
    // Node's default metrics are already named process_* and nodejs_*: add the prefix only.
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    const ingressMetrics = createIngressMetrics(registry);
    const store = openEventStore(config.eventStore, logger, {
      onCommit: ingressMetrics.observeCommit,
    });
    undo.push(() => store.close());
    await recordPreLedgerEventsOnStart(store, logger);
    await recoverErasuresOnStart(store, logger);
    // Undone after the processors stop and before the store closes: the shutdown checkpoint
    // then covers every write of this instance.
    const checkpoints = startCheckpointsIfConfigured(options.ledger, store, logger);
    if (checkpoints) undo.push(() => checkpoints.stop());
    const readModelDb = openReadModel(config.readModelPath);
    undo.push(() => void readModelDb.close());
    // Personal read-model columns are sealed under the customers' data keys (issue 15).
    sealReadModelFor(readModelDb, store, config.eventStore.encryption);
    const stop = new AbortController();
    const processors: Promise<void>[] = [];
    undo.push(async () => {
      stop.abort();
      await Promise.all(processors);
    });

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
    processors.push(projectionRunner.done);
    // One client for enrichment and reconciliation: they share its rate limit.
    const client = compilotClientFromConfig(config.compilotApi, {
      logger,
      registry,
      fetch: options.fetch,
    });
    const enrichment = startEnrichmentIfConfigured(config, logger, {
      store,
      readModelDb,
      registry,
      signal: stop.signal,
      client,
    });
    if (enrichment) processors.push(enrichment.done);
    const reconciliation = startReconcileScheduleIfConfigured(config, logger, {
      store,
      readModelDb,
      registry,
      signal: stop.signal,
      client,
    });
    if (reconciliation) processors.push(reconciliation.done);
    const retention = startRetentionIfConfigured(options.retention, logger, {
      store,
      readModelDb,
      registry,
      signal: stop.signal,
      projections: projectionRunner,
    });
    if (retention) processors.push(retention.done);

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
      schemas,
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
        createUiRouter({
          store,
          readModelDb,
          // Retired secrets re-verify stored deliveries only; ingress never accepts with them.
          secrets: [...config.webhookSecrets, ...config.retiredWebhookSecrets],
          tokens: config.queryApiTokens,
          verifyReportPath: config.verifyReportPath,
          logger,
        }),
      ],
    });

    // Koa's callback returns a promise that never rejects (errors are handled inside).
    const handle = app.callback();
    const http = createDrainingServer((req, res) => void handle(req, res));
    // Svix waits at most 15 s for an answer; a client slower than this is not Svix.
    http.server.requestTimeout = 30_000;
    http.server.headersTimeout = 20_000;
    http.server.keepAliveTimeout = 5_000;
    const port = await http.listen(config.port, config.host);
    logger.info(
      {
        port,
        host: config.host,
        eventStore: config.eventStore.kind,
        enrichment: enrichment ? 'on' : 'off',
        reconciliation: reconciliation ? `every ${config.reconcile.intervalMs} ms` : 'off',
        queryApi: config.queryApiTokens.length > 0 ? 'on' : 'off',
      },
      'listening',
    );

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        logger.info('shutting down: no new requests, finishing in-flight ones');
        await http.close(config.shutdownTimeoutMs);
        await undoAll(undo, logger);
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
      reconciliation,
      close,
    };
  } catch (error) {
    await undoAll(undo, logger);
    throw error;
  }
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

/** Runs the undo steps last first; one failing does not keep the others from running. */
async function undoAll(undo: (() => Promise<void> | void)[], logger: Logger): Promise<void> {
  for (const step of undo.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      logger.warn({ err: error }, 'a step of the shutdown failed');
    }
  }
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
    throw error;
  }
}

interface ProcessorDeps {
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly registry: Registry;
  readonly signal: AbortSignal;
  readonly client: CompilotClient | undefined;
}

function startEnrichmentIfConfigured(
  config: Config,
  logger: Logger,
  deps: ProcessorDeps,
): EnrichmentProcessor | undefined {
  if (deps.client === undefined) {
    logger.warn('enrichment off: COMPILOT_API_KEY is not set, customer details are not fetched');
    return undefined;
  }
  return startEnrichment({
    store: deps.store,
    client: deps.client,
    checkpoints: createCheckpointStore(deps.readModelDb),
    logger,
    registry: deps.registry,
    signal: deps.signal,
    concurrency: config.compilotApi.maxConcurrency,
  });
}

function startReconcileScheduleIfConfigured(
  config: Config,
  logger: Logger,
  deps: ProcessorDeps,
): ReconcileSchedule | undefined {
  const metrics = createReconcileMetrics(deps.registry, () => latestFinishedRun(deps.store));
  if (config.reconcile.intervalMs === 0 || deps.client === undefined) return undefined;
  return startReconcileSchedule({
    store: deps.store,
    readModelDb: deps.readModelDb,
    client: deps.client,
    logger,
    metrics,
    signal: deps.signal,
    intervalMs: config.reconcile.intervalMs,
    pageSize: config.reconcile.pageSize,
    leaseMs: config.reconcile.leaseMs,
  });
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
