/**
 * The page loop bench:rebuild's floor and ceiling share: every page of the log read as the
 * rebuild reads it, handed to a visitor, with the wall and CPU time of the whole pass.
 */
import type { RecordedEvent } from '../src/store/eventStore.js';
import type { openSqliteEventStore } from '../src/store/sqliteEventStore.js';

export interface TimedPass {
  readonly count: number;
  readonly seconds: number;
  /** User + system seconds of the process. */
  readonly cpu: number;
}

/** In seconds, user + system: the figures shared by the scans, the rebuild and the passes. */
export function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** Reads every page of `store` (pages of `pageSize`), calling `visit` with each. */
export async function timedScan(
  store: ReturnType<typeof openSqliteEventStore>,
  pageSize: number,
  visit: (page: readonly RecordedEvent[]) => void,
): Promise<TimedPass> {
  let count = 0;
  let after: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    count += page.length;
    after = page.at(-1)!.position;
    visit(page);
  }
  return {
    count,
    seconds: (performance.now() - started) / 1000,
    cpu: cpuSeconds(process.cpuUsage(cpu)),
  };
}
