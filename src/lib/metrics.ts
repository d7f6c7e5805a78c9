import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

/** Every metric this service exposes starts with this, once (listed in the README). */
export const METRIC_PREFIX = 'compilot_ledger_';

/*
 * One registry may serve several instances of a component (tests, a restarted HTTP layer,
 * two clients): each metric is created on first use and the existing one is reused after.
 */

function reuse<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

export function counter<T extends string>(
  registry: Registry,
  config: Omit<CounterConfiguration<T>, 'registers'>,
): Counter<T> {
  return reuse(registry, config.name, () => new Counter({ ...config, registers: [registry] }));
}

export function gauge<T extends string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<T>, 'registers'>,
): Gauge<T> {
  return reuse(registry, config.name, () => new Gauge({ ...config, registers: [registry] }));
}

export function histogram<T extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<T>, 'registers'>,
): Histogram<T> {
  return reuse(registry, config.name, () => new Histogram({ ...config, registers: [registry] }));
}
