import type { Registry } from 'prom-client';
import { counter, gauge } from '../lib/metrics.js';
import type { FinishedRecord } from './runRecords.js';

export interface ReconcileMetrics {
  /** A run this process finished. */
  finished(record: FinishedRecord): void;
}

/**
 * `compilot_ledger_reconcile_*`. The `last_run_*` gauges are read from the reconciliation
 * stream at scrape time, so they show the last run on record whoever ran it (`serve`'s job or
 * the `reconcile` command); the counters count the runs of this process.
 */
export function createReconcileMetrics(
  registry: Registry | undefined,
  lastRun: () => Promise<FinishedRecord | undefined>,
): ReconcileMetrics {
  if (!registry) return { finished() {} };
  // One stream read per scrape, shared by the gauges.
  let cached: { at: number; last: Promise<FinishedRecord | undefined> } | undefined;
  const last = (): Promise<FinishedRecord | undefined> => {
    if (cached === undefined || Date.now() - cached.at > 1000) {
      cached = { at: Date.now(), last: lastRun().catch(() => undefined) };
    }
    return cached.last;
  };
  const fromLast = (name: string, help: string, value: (record: FinishedRecord) => number) =>
    gauge(registry, {
      name,
      help,
      async collect() {
        const record = await last();
        if (record) this.set(value(record));
      },
    });
  fromLast(
    'compilot_ledger_reconcile_last_run_timestamp_seconds',
    'End time of the last reconciliation run recorded in the reconciliation stream',
    (record) => Date.parse(record.finishedAt) / 1000,
  );
  fromLast(
    'compilot_ledger_reconcile_last_run_differences',
    'Customers whose ledger state differed from ComPilot in the last reconciliation run',
    (record) => record.counts.differing,
  );
  fromLast(
    'compilot_ledger_reconcile_last_run_appended',
    'Snapshots the last reconciliation run appended',
    (record) => record.counts.appended,
  );
  fromLast(
    'compilot_ledger_reconcile_last_run_missing',
    'Customers the last reconciliation run found that ComPilot no longer returns',
    (record) => record.counts.missing,
  );
  const runs = counter(registry, {
    name: 'compilot_ledger_reconcile_runs_total',
    help: 'Reconciliation runs finished by this process, by outcome',
    labelNames: ['outcome'] as const,
  });
  const differences = counter(registry, {
    name: 'compilot_ledger_reconcile_differences_total',
    help: 'Differences found by reconciliation runs of this process',
  });
  const appended = counter(registry, {
    name: 'compilot_ledger_reconcile_snapshots_appended_total',
    help: 'Details snapshots appended by reconciliation runs of this process',
  });
  return {
    finished(record) {
      runs.inc({ outcome: record.outcome });
      differences.inc(record.counts.differing);
      appended.inc(record.counts.appended);
    },
  };
}
