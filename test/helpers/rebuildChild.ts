/**
 * A rebuild in a child process, for crash tests: `node --import tsx rebuildChild.ts <events.db>
 * <readmodel.db> <batchSize> <pauseAfterPages> [memoryBudgetMb]`. Prints `page <n>` after each
 * page it read; it flushes after every page, or with a memory budget spills when it is reached;
 * with pauseAfterPages > 0 it stops reading after that many pages (mid-rebuild, what it wrote
 * committed) and prints `paused`, so the parent can SIGKILL it at a known point.
 */
import { projections } from '../../projections/index.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import type { ReadAllOptions } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { countingProjection, silent } from './projectionHarness.js';

const [storePath, readModelPath, batchSize, pauseAfter, memoryBudgetMb] = process.argv.slice(2);
const store = openSqliteEventStore({ path: storePath! });
const db = openReadModel(readModelPath!);
let pages = 0;
const readAll = store.readAll.bind(store);
store.readAll = async (options?: ReadAllOptions) => {
  if (Number(pauseAfter) > 0 && pages >= Number(pauseAfter)) {
    process.stdout.write('paused\n');
    await new Promise<never>(() => undefined);
  }
  const page = await readAll(options);
  pages += 1;
  process.stdout.write(`page ${pages}\n`);
  return page;
};
const result = await rebuildProjections([...projections, countingProjection()], {
  store,
  db,
  logger: silent,
  batchSize: Number(batchSize),
  // Flush after every page, so a kill finds committed progress to resume from; or, given a
  // memory budget, spill when it is reached.
  ...(memoryBudgetMb === undefined
    ? { flushEveryEvents: Number(batchSize) }
    : { memoryBudgetMb: Number(memoryBudgetMb) }),
});
process.stdout.write(`done ${JSON.stringify(result.results.map((r) => r.outcome))}\n`);
db.close();
await store.close();
