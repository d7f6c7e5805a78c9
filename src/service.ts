/**
 * Composition root: builds the adapters named by the config, starts the processors and the HTTP
 * server, and knows the order to stop them in. Nothing else constructs concrete adapters.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { projections } from '../projections/index.js';
import type { FetchLike } from './compilot/client.js';
import { compilotClientFromConfig } from './compilot/fromConfig.js';
import {
  DEFAULT_RETENTION_DAYS,
  type Config,
  type LedgerConfig,
  type RetentionConfig,
} from './config.js';
import { createIngressMetrics } from './ingress/ingressMetrics.js';
import type { Logger } from './lib/logger.js';
import { METRIC_PREFIX } from './lib/metrics.js';
import type { EnrichmentProcessor } from './processing/enrichment.js';
import { openReadModel, type ReadModelDb } from './readmodel/readModelStore.js';
import { startProjections, type ProjectionRunner } from './projector/runner.js';
import type { ReconcileSchedule } from './reconcile/reconcileSchedule.js';
import type { EventStore } from './store/eventStore.js';
import { openEventStore } from './store/openEventStore.js';
import { sealReadModelFor } from './projector/readModelSealing.js';
import {
  recoverErasuresOnStart,
  startRetentionIfConfigured,
} from './retention/serviceRetention.js';
import { registerRetentionGauge } from './retention/dueGauge.js';
import { loadSchemaSet } from './validation/schemas.js';
import {
  startCheckpointsIfConfigured,
  startEnrichmentIfConfigured,
  startReconcileScheduleIfConfigured,
} from './service/optionalJobs.js';
import { recordPreLedgerEventsOnStart } from './service/preLedgerOnStart.js';
import { listenServiceHttp } from './service/serviceHttp.js';
import { undoAll, type UndoStep } from './service/undoStack.js';

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
  const undo: UndoStep[] = [];
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
    // Without retention settings (tests, embedders), the documented default period.
    const retentionDays = options.retention?.retentionDays ?? DEFAULT_RETENTION_DAYS;
    registerRetentionGauge(registry, readModelDb, retentionDays);
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
    });
    if (retention) processors.push(retention.done);

    const { http, port } = await listenServiceHttp(config, {
      store,
      readModelDb,
      projections: projectionRunner,
      registry,
      schemas,
      logger,
      retentionDays,
    });
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
