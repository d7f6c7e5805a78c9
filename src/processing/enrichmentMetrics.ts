import type { Registry } from 'prom-client';
import { counter, gauge, METRIC_PREFIX } from '../lib/metrics.js';

/** What the enrichment reactor did with one fetch of customer details. */
export type EnrichmentFetchOutcome = 'details' | 'not_found' | 'failed';

export interface EnrichmentMetrics {
  fetched(outcome: EnrichmentFetchOutcome): void;
  /** A details or not-found event was appended. */
  written(type: string): void;
  /** An append lost a race (another writer, or a new webhook) and was re-checked. */
  conflict(): void;
  lag(events: number, seconds: number): void;
  caughtUp(value: boolean): void;
}

/** Metrics labelled by processor name; several processors may share one registry. */
export function createEnrichmentMetrics(
  registry: Registry | undefined,
  processor: string,
): EnrichmentMetrics {
  if (!registry) return { fetched() {}, written() {}, conflict() {}, lag() {}, caughtUp() {} };
  const fetches = counter(registry, {
    name: `${METRIC_PREFIX}enrichment_fetches_total`,
    help: 'Customer details fetches by the enrichment reactor, by outcome',
    labelNames: ['processor', 'outcome'] as const,
  });
  const written = counter(registry, {
    name: `${METRIC_PREFIX}enrichment_events_written_total`,
    help: 'Details and not-found events appended, by event type',
    labelNames: ['processor', 'type'] as const,
  });
  const conflicts = counter(registry, {
    name: `${METRIC_PREFIX}enrichment_append_conflicts_total`,
    help: 'Appends that found the customer stream changed and were re-checked',
    labelNames: ['processor'] as const,
  });
  const lagEvents = gauge(registry, {
    name: `${METRIC_PREFIX}enrichment_lag_events`,
    help: 'Events in the log after the enrichment checkpoint (capped at the measuring limit)',
    labelNames: ['processor'] as const,
  });
  const lagSeconds = gauge(registry, {
    name: `${METRIC_PREFIX}enrichment_lag_seconds`,
    help: 'Age of the oldest event the enrichment reactor has not handled yet',
    labelNames: ['processor'] as const,
  });
  const caughtUp = gauge(registry, {
    name: `${METRIC_PREFIX}enrichment_caught_up`,
    help: '1 when the enrichment reactor has handled every event in the log',
    labelNames: ['processor'] as const,
  });
  return {
    fetched: (outcome) => fetches.inc({ processor, outcome }),
    written: (type) => written.inc({ processor, type }),
    conflict: () => conflicts.inc({ processor }),
    lag(events, seconds) {
      lagEvents.set({ processor }, events);
      lagSeconds.set({ processor }, seconds);
    },
    caughtUp: (value) => caughtUp.set({ processor }, value ? 1 : 0),
  };
}
