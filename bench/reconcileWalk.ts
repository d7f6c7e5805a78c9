/**
 * `npm run bench:reconcile [-- --customers N]`: how long reconciliation's walk of the customer
 * list takes at the client's default limits (15 requests/s and 300/min, 100 per page), against
 * the built-in simulator over real HTTP, next to its baseline: the floor the rate limit alone
 * sets (300 calls a minute, each batch at 15/s). A dry run (compare, no details calls, nothing written)
 * over an empty ledger, so it measures the walk; each difference adds one details call at the
 * same limits. Prints figures only; no assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCompilotClient } from '../src/compilot/client.js';
import { createLogger } from '../src/lib/logger.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { reconcile } from '../src/reconcile/reconcileRun.js';
import { startSimulatorApi } from '../src/simulator/apiServer.js';
import { createSimulatorState } from '../src/simulator/state.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' } } });
const customers = Number(values.customers);
const dir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));
const state = createSimulatorState();
for (let i = 0; i < customers; i += 1) state.addCustomer();
const api = await startSimulatorApi({ apiKey: 'bench_key', state });
const store = openSqliteEventStore({ path: join(dir, 'events.db') });
const readModelDb = openReadModel(join(dir, 'readmodel.db'));
const client = createCompilotClient({ baseUrl: api.url, apiKey: 'bench_key' });
const started = performance.now();
const report = await reconcile({
  store,
  readModelDb,
  client,
  logger: createLogger('silent'),
  signal: new AbortController().signal,
  trigger: 'cli',
  dryRun: true,
});
const seconds = (performance.now() - started) / 1000;
const calls = api.requests.length;
// 300 calls at 15/s, then each next 300 a minute after the previous 300 (the limiter returns a
// token one window after its call ended), the last batch again at 15/s.
const fullMinutes = Math.ceil(calls / 300) - 1;
const floor = fullMinutes * 60 + (calls - fullMinutes * 300) / 15;
console.log(`customers listed      ${report.record.counts.listed}`);
console.log(`list calls            ${calls}`);
console.log(`walk, measured        ${seconds.toFixed(1)} s`);
console.log(`rate-limit floor      ${floor.toFixed(1)} s (15/s, then 300/min)`);
console.log(`calls per second      ${(calls / seconds).toFixed(2)}`);
readModelDb.close();
await store.close();
await api.close();
rmSync(dir, { recursive: true, force: true });
