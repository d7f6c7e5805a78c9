/**
 * `compilot-ledger dev`, what `make run` runs: the newcomer's path. Generates development
 * secrets into .env once, starts the service on the embedded store and, when no ComPilot API
 * key is configured, the built-in simulator plus a short demo journey through the pipeline.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, loadLedgerConfig, loadRetentionConfig, type Config } from '../config.js';
import { WEBHOOK_PATH } from '../ingress/app.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { readLogPages } from '../store/logPages.js';
import { getCustomer, getKycHistory } from '../readmodel/queries.js';
import { startService, type RunningService } from '../service.js';
import { startSimulatorApi, type SimulatorApi } from '../simulator/apiServer.js';
import { DEMO_JOURNEYS, runDemoJourney } from '../simulator/journeys.js';
import { createSimulatorState, type SimulatorState } from '../simulator/state.js';
import { count } from '../lib/plural.js';
import { UsageError, type CliDeps } from './deps.js';
import { ensureDevEnv } from './devEnv.js';
import { waitForAbort } from './serve.js';

/** In the data directory (the read model's): the demo has been played there, and when. */
const DEMO_MARKER = 'demo-played';

const USAGE = `usage: compilot-ledger dev [--no-demo]

Development mode (what \`make run\` runs). Generates COMPILOT_WEBHOOK_SECRET and
QUERY_API_TOKENS into .env when they are not configured, starts the service and, without
COMPILOT_API_KEY, the built-in ComPilot simulator and, once per data directory (recorded in
<data dir>/demo-played), a demo journey. JSON logs go to stderr.`;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const values = parseOptions(args);
  if (values.help) {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { env, generated } = ensureDevEnv(process.cwd(), deps.env);
  let config = loadConfig(env, { requireWebhookSecret: true });
  // JSON logs go to stderr: stdout carries what a person reads (`serve` keeps them on stdout).
  const logger = createLogger(config.logLevel, deps.stderr);
  const print = (line = ''): boolean => deps.stdout.write(`${line}\n`);
  if (generated.length > 0)
    print(
      `Generated ${generated.slice(0, -1).join(', ')}${generated.length > 1 ? ' and ' : ''}` +
        `${generated.at(-1)} into .env (development only).`,
    );

  let simulator: { api: SimulatorApi; state: SimulatorState; apiKey: string } | undefined;
  if (config.compilotApi.key === undefined) {
    const state = createSimulatorState();
    const apiKey = `sim_${randomBytes(12).toString('hex')}`;
    const api = await startSimulatorApi({ apiKey, state, logger });
    simulator = { api, state, apiKey };
    config = { ...config, compilotApi: { ...config.compilotApi, url: api.url, key: apiKey } };
    // The demo shows reconciliation too: on every 15 s unless RECONCILE_INTERVAL_MS says otherwise.
    if (env.RECONCILE_INTERVAL_MS === undefined) {
      config = { ...config, reconcile: { ...config.reconcile, intervalMs: 15_000 } };
    }
    logger.warn(
      { url: api.url },
      'COMPILOT_API_KEY is not set: enrichment talks to the built-in ComPilot SIMULATOR',
    );
  }

  let service: RunningService;
  try {
    service = await startService(config, logger, {
      ledger: loadLedgerConfig(env),
      // As serve: RETENTION_DAYS for the retention answers, and erasure recovery at start.
      retention: loadRetentionConfig(env),
    });
  } catch (error) {
    await simulator?.api.close(); // a failed start leaves nothing running
    throw error;
  }
  try {
    const send = sendCommand(service, simulator);
    printBanner(print, config, service, send, simulator?.api.url);
    if (simulator && !values['no-demo']) {
      // Once per data directory: every run adding five more demo customers buries your own.
      const marker = join(dirname(config.readModelPath), DEMO_MARKER);
      if (existsSync(marker)) {
        const when = readFileSync(marker, 'utf8').trim();
        print(`The demo was already played for ${dirname(marker)} (${when}).`);
        print('Play its journeys again with:');
        print(`  ${send} --journey ${DEMO_JOURNEYS.join(',')}`);
        print();
      } else {
        await playDemo(print, logger, config, service, simulator.state, deps.stopSignal);
        writeFileSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
      }
    }
    print('Press Ctrl-C to stop.');
    await waitForAbort(deps.stopSignal);
  } finally {
    await service.close();
    await simulator?.api.close();
  }
  return 0;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { 'no-demo': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The `simulate send` line for this run; with the simulator, one that registers with it. */
function sendCommand(
  service: RunningService,
  simulator: { api: SimulatorApi; apiKey: string } | undefined,
): string {
  const base = `node dist/src/cli/main.js simulate send --target ${service.url}${WEBHOOK_PATH}`;
  return simulator
    ? `${base} --simulator ${simulator.api.url} --api-key ${simulator.apiKey}`
    : base;
}

function printBanner(
  print: (line?: string) => void,
  config: Config,
  service: RunningService,
  send: string,
  simulatorUrl: string | undefined,
): void {
  const webhookUrl = `${service.url}${WEBHOOK_PATH}`;
  print();
  print(`compilot-ledger is listening on ${service.url}`);
  print(`  webhook endpoint   POST ${webhookUrl}`);
  print(`  webhook secret     ${config.webhookSecrets[0]}  (from .env or the environment)`);
  print(`  query API token    ${config.queryApiTokens[0] ?? '(none: query API disabled)'}`);
  if (config.queryApiTokens.length > 0) {
    print(`  audit viewer       ${service.url}/ui/  (sign in with the query API token)`);
  }
  print(`  event store        ${config.eventStore.kind}`);
  const every = config.reconcile.intervalMs;
  print(
    `  reconciliation     ${every > 0 ? `every ${every / 1000} s (GET /reconciliations)` : 'off'}`,
  );
  if (simulatorUrl !== undefined) {
    print(
      `  ComPilot API       built-in SIMULATOR at ${simulatorUrl} (COMPILOT_API_KEY is not set)`,
    );
  }
  print();
  print('Send a signed test delivery (signed with svix, the secret is read from .env):');
  print(`  ${send} --journey onboarding`);
  print('Ask the audit API:');
  print(
    `  curl -H "Authorization: Bearer ${config.queryApiTokens[0] ?? '<token>'}" ${service.url}/customers`,
  );
  print();
}

async function playDemo(
  print: (line?: string) => void,
  logger: Logger,
  config: Config,
  service: RunningService,
  state: SimulatorState,
  signal: AbortSignal,
): Promise<void> {
  print('Playing a demo journey through the simulator...');
  const report = await runDemoJourney({
    targetUrl: `${service.url}${WEBHOOK_PATH}`,
    secret: config.webhookSecrets[0]!,
    state,
    logger,
    signal,
  });
  print(
    `  ${count(report.deliveries.length, 'delivery', 'deliveries')} sent, ` +
      `${report.failed} not acknowledged`,
  );
  // Enrichment appends snapshots after the webhooks; projections apply both. Wait for both.
  await waitUntil(
    () => (service.enrichment?.status().caughtUp ?? true) && service.projections.status().ready,
    signal,
  );
  print(`  event log now: ${await describeLog(service)}`);
  const customerId = report.customerIds[0];
  if (customerId === undefined) return;
  const customer = getCustomer(service.readModelDb, customerId);
  print();
  print(`Customer ${customerId} (read model, rebuilt from the log):`);
  print(
    `  status ${customer?.status ?? '-'}, risk ${customer?.riskScore ?? '-'}, ` +
      `onboarding ${customer?.onboardingLevel ?? '-'}, deleted ${String(customer?.deleted ?? false)}`,
  );
  for (const wallet of customer?.wallets ?? []) {
    print(`  wallet ${wallet.address} (${wallet.namespace ?? 'unknown namespace'})`);
  }
  print("KYC history (effective time by ComPilot's clock, change, reason):");
  for (const entry of getKycHistory(service.readModelDb, customerId)) {
    const change = `${entry.kind} ${entry.from ?? '-'} -> ${entry.to ?? '-'}`;
    print(`  ${entry.effectiveAt}  ${change.padEnd(42)} ${entry.reason ?? ''}`);
  }
  print();
  print(`Full audit trail: node dist/src/cli/main.js audit ${customerId}`);
  print();
}

/** e.g. "22 webhooks, 17 compilot.customer.details" — counted from the log itself. */
async function describeLog(service: RunningService): Promise<string> {
  const counts = new Map<string, number>();
  for await (const page of readLogPages(service.store, { pageSize: 1000 })) {
    for (const event of page) {
      const kind =
        event.type.startsWith('compilot.') || event.type === 'quarantined'
          ? event.type
          : 'webhooks';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([kind, n]) => (kind === 'webhooks' ? count(n, 'webhook') : `${n} ${kind}`))
    .join(', ');
}

async function waitUntil(condition: () => boolean, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition() && !signal.aborted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
