/**
 * `compilot_ledger_retention_customers{state}`: how many customers are due for erasure and how
 * many a retention hold keeps past their period, read from the `retention` read model at scrape
 * time. With RETENTION_ENFORCE off, erasing is a person's task; this is what to alert on.
 */
import { Gauge, type Registry } from 'prom-client';
import type Database from 'better-sqlite3';
import { METRIC_PREFIX } from '../lib/metrics.js';
import { listDueCustomers } from '../readmodel/retentionQueries.js';

export function registerRetentionGauge(
  registry: Registry,
  readModelDb: Database.Database,
  retentionDays: number,
  clock: () => Date = () => new Date(),
): void {
  registry.removeSingleMetric(`${METRIC_PREFIX}retention_customers`);
  new Gauge({
    name: `${METRIC_PREFIX}retention_customers`,
    help: 'customers past their retention period and not erased: due (erasable now) or held (kept by a retention hold); absent until the retention projection is built',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Counted, none listed.
      const counts = listDueCustomers(readModelDb, clock(), retentionDays, 0);
      if (counts === undefined) return;
      this.set({ state: 'due' }, counts.dueCount);
      this.set({ state: 'held' }, counts.heldCount);
    },
  });
}
