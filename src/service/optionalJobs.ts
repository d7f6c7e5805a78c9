/**
 * The background jobs the settings may leave off: signed checkpoints, enrichment and scheduled
 * reconciliation. Each decides from the config whether it runs and says why when it does not;
 * kept apart from the start-up order in service.ts, which only collects what they return.
 */
import type { Registry } from 'prom-client';
import type { CompilotClient } from '../compilot/client.js';
import type { Config, LedgerConfig } from '../config.js';
import { createCheckpointer } from '../ledger/checkpointer.js';
import { startCheckpointSchedule, type CheckpointSchedule } from '../ledger/checkpointSchedule.js';
import type { Logger } from '../lib/logger.js';
import { createCheckpointStore } from '../processing/checkpointStore.js';
import { startEnrichment, type EnrichmentProcessor } from '../processing/enrichment.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import { createReconcileMetrics } from '../reconcile/reconcileMetrics.js';
import { startReconcileSchedule, type ReconcileSchedule } from '../reconcile/reconcileSchedule.js';
import { latestFinishedRun } from '../reconcile/runHistory.js';
import type { EventStore } from '../store/eventStore.js';

export function startCheckpointsIfConfigured(
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

export interface ProcessorDeps {
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly registry: Registry;
  readonly signal: AbortSignal;
  readonly client: CompilotClient | undefined;
}

export function startEnrichmentIfConfigured(
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

export function startReconcileScheduleIfConfigured(
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
