import type { Registry } from 'prom-client';
import { counter, histogram, METRIC_PREFIX } from '../lib/metrics.js';
import type { Middleware } from 'koa';

/** What became of one delivery: the `outcome` label of `deliveries_total`. */
export type DeliveryOutcome = 'stored' | 'duplicate' | 'quarantined' | 'rejected' | 'failed';

export interface IngressMetrics {
  /** `reason`: the rejection or quarantine reason, or the failure class; omitted otherwise. */
  delivery(outcome: DeliveryOutcome, reason?: string): void;
  /** A delivery whose svix id was already stored with another body (kept in quarantine). */
  svixIdConflict(): void;
  /** Wall time of one `appendToStream` as seen by the handler (includes waiting for the commit). */
  observeAppend(seconds: number): void;
  /**
   * One store commit. Pass it as the SQLite store's `onCommit` hook (same shape as its
   * `CommitInfo`); ingress itself never calls it, since a handler cannot see its batch.
   */
  readonly observeCommit: (commit: CommitObservation) => void;
}

export interface CommitObservation {
  /** Appends that shared the commit: the group-commit batch size. */
  readonly appends: number;
  /** BEGIN to COMMIT, fsync included. */
  readonly durationMs: number;
}

const PREFIX = METRIC_PREFIX;

/**
 * Registers the ingress metrics on `registry`, or reuses them when already registered (one
 * registry may serve several apps, e.g. in tests or after a restart of the HTTP layer).
 */
export function createIngressMetrics(registry: Registry): IngressMetrics {
  const deliveries = counter(registry, {
    name: `${PREFIX}webhook_deliveries_total`,
    help: 'Webhook deliveries by outcome (stored, duplicate, quarantined, rejected, failed) and reason',
    labelNames: ['outcome', 'reason'] as const,
  });
  const conflicts = counter(registry, {
    name: `${PREFIX}svix_id_conflicts_total`,
    help: 'Deliveries whose svix id was already stored with another body (kept in quarantine as svix-id-conflict)',
  });
  const append = histogram(registry, {
    name: `${PREFIX}webhook_append_duration_seconds`,
    help: 'Time from append call to durable commit for one webhook delivery',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const batchSize = histogram(registry, {
    name: `${PREFIX}store_commit_batch_size`,
    help: 'Appends per store commit (group commit batch size)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  });
  const commit = histogram(registry, {
    name: `${PREFIX}store_commit_duration_seconds`,
    help: 'Duration of one store commit (one transaction, one fsync)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });
  return {
    delivery(outcome, reason) {
      deliveries.inc(reason === undefined ? { outcome } : { outcome, reason });
    },
    svixIdConflict() {
      conflicts.inc();
    },
    observeAppend(seconds) {
      append.observe(seconds);
    },
    observeCommit(info) {
      batchSize.observe(info.appends);
      commit.observe(info.durationMs / 1000);
    },
  };
}

/** `GET /metrics`: the Prometheus text exposition of `registry`. */
export function metricsEndpoint(registry: Registry): Middleware {
  return async function metrics(ctx) {
    ctx.set('Content-Type', registry.contentType);
    ctx.body = await registry.metrics();
  };
}
