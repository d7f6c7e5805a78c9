import { Counter, Histogram, type Registry } from 'prom-client';

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
  const fetches = reuse(
    registry,
    'compilot_api_fetches_total',
    () =>
      new Counter({
        name: 'compilot_api_fetches_total',
        help: 'ComPilot API requests by outcome, after retries',
        labelNames: ['operation', 'outcome'] as const,
        registers: [registry],
      }),
  );
  const retries = reuse(
    registry,
    'compilot_api_retries_total',
    () =>
      new Counter({
        name: 'compilot_api_retries_total',
        help: 'ComPilot API attempts that were retried, by reason',
        labelNames: ['operation', 'reason'] as const,
        registers: [registry],
      }),
  );
  const latency = reuse(
    registry,
    'compilot_api_request_duration_seconds',
    () =>
      new Histogram({
        name: 'compilot_api_request_duration_seconds',
        help: 'Duration of single ComPilot API attempts, by result',
        labelNames: ['operation', 'result'] as const,
        buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  return {
    fetched: (operation, outcome) => fetches.inc({ operation, outcome }),
    retried: (operation, reason) => retries.inc({ operation, reason }),
    attempt: (operation, result, seconds) => latency.observe({ operation, result }, seconds),
  };
}

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
