/**
 * Projection metrics on the service's prom-client registry. Gauges are read from the runner's
 * status at scrape time, so they can never disagree with /readyz.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../lib/metrics.js';
import type { ProjectionsStatus } from './status.js';

const PREFIX = `${METRIC_PREFIX}projection_`;

export interface ProjectionMetrics {
  applied(projection: string, events: number): void;
  observeBatch(seconds: number, events: number): void;
}

/**
 * Registers the projection metrics on `registry`, replacing earlier ones (a restarted runner
 * takes over the names).
 */
export function createProjectionMetrics(
  registry: Registry,
  status: () => ProjectionsStatus,
): ProjectionMetrics {
  const gauge = (
    name: string,
    help: string,
    value: (p: ProjectionsStatus['projections'][number]) => number,
  ) =>
    register(
      registry,
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames: ['projection'] as const,
        registers: [],
        collect() {
          for (const projection of status().projections) {
            this.set({ projection: projection.name }, value(projection));
          }
        },
      }),
    );
  gauge(
    'caught_up',
    '1 when the projection has applied every event up to the head of the log',
    (p) => Number(p.caughtUp),
  );
  gauge('poisoned', '1 when the projection is stopped at an event it cannot apply', (p) =>
    Number(p.poisoned !== null || p.rebuilding?.poisoned != null),
  );
  gauge(
    'lag_seconds',
    'Commit-time distance between the newest event seen and the last applied',
    (p) => p.lagSeconds ?? 0,
  );
  gauge('rebuilding', '1 while a new generation of the projection is being built', (p) =>
    Number(p.rebuilding !== null),
  );
  const applied = register(
    registry,
    new Counter({
      name: `${PREFIX}events_applied_total`,
      help: 'Events applied by each projection (live runner and rebuilds in this process)',
      labelNames: ['projection'] as const,
      registers: [],
    }),
  );
  const batchSeconds = register(
    registry,
    new Histogram({
      name: `${PREFIX}batch_duration_seconds`,
      help: 'Duration of one projection batch transaction',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [],
    }),
  );
  const batchEvents = register(
    registry,
    new Histogram({
      name: `${PREFIX}batch_events`,
      help: 'Events per projection batch',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000],
      registers: [],
    }),
  );
  return {
    applied(projection, events) {
      if (events > 0) applied.inc({ projection }, events);
    },
    observeBatch(seconds, events) {
      batchSeconds.observe(seconds);
      batchEvents.observe(events);
    },
  };
}

function register<M extends Gauge<string> | Counter<string> | Histogram<string>>(
  registry: Registry,
  metric: M,
): M {
  const name = (metric as unknown as { name: string }).name;
  if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name);
  registry.registerMetric(metric);
  return metric;
}
