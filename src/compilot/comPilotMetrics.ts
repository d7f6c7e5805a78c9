import type { Registry } from 'prom-client';
import { counter, histogram, METRIC_PREFIX } from '../lib/metrics.js';

/** Outcome of one logical request (after retries). */
export type FetchOutcome =
  'ok' | 'not_found' | 'unauthorized' | 'rate_limited' | 'unavailable' | 'bad_response' | 'aborted';

export interface CompilotMetrics {
  fetched(operation: string, outcome: FetchOutcome): void;
  retried(operation: string, reason: string): void;
  /** One HTTP attempt; `result` is `2xx`, `4xx`, `5xx`, `network` or `timeout`. */
  attempt(operation: string, result: string, seconds: number): void;
}

/**
 * Metrics of the ComPilot client, registered on the given registry. Several clients may share a
 * registry: the metrics are created once and reused.
 */
export function createCompilotMetrics(registry: Registry | undefined): CompilotMetrics {
  if (!registry) return { fetched() {}, retried() {}, attempt() {} };
  const fetches = counter(registry, {
    name: `${METRIC_PREFIX}compilot_api_fetches_total`,
    help: 'ComPilot API requests by outcome, after retries',
    labelNames: ['operation', 'outcome'] as const,
  });
  const retries = counter(registry, {
    name: `${METRIC_PREFIX}compilot_api_retries_total`,
    help: 'ComPilot API attempts that were retried, by reason',
    labelNames: ['operation', 'reason'] as const,
  });
  const latency = histogram(registry, {
    name: `${METRIC_PREFIX}compilot_api_request_duration_seconds`,
    help: 'Duration of single ComPilot API attempts, by result',
    labelNames: ['operation', 'result'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  return {
    fetched: (operation, outcome) => fetches.inc({ operation, outcome }),
    retried: (operation, reason) => retries.inc({ operation, reason }),
    attempt: (operation, result, seconds) => latency.observe({ operation, result }, seconds),
  };
}
