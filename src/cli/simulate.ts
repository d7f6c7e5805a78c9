/**
 * `compilot-ledger simulate [api|send|demo]`: a local ComPilot for development, tests and demos.
 * The API server and the journeys share one in-memory state, so the API answers what the
 * webhooks said.
 */
import { COMMAND_SETTINGS, loadConfig } from '../config.js';
import { WEBHOOK_PATH } from '../ingress/app.js';
import { createLogger } from '../lib/logger.js';
import { startSimulatorApi } from '../simulator/apiServer.js';
import {
  JOURNEY_NAMES,
  runDemoJourney,
  runJourneys,
  type JourneyReport,
} from '../simulator/journeys.js';
import { createRegistrar, observeCustomers } from '../simulator/registration.js';
import {
  createWebhookSender,
  TargetUnreachableError,
  type WebhookSender,
} from '../simulator/sender.js';
import { createSimulatorState } from '../simulator/state.js';
import { count } from '../lib/plural.js';
import type { CliDeps } from './deps.js';
import { parseSimulateArgs } from './simulateArgs.js';

/** How long the webhook target may answer nothing before send and demo give up. */
const GIVE_UP_MS = 5000;

export const USAGE = `usage: compilot-ledger simulate <mode> [options]

modes:
  api    serve a local ComPilot API (GET /customers, /customers/{id}, /customers/{id}/details,
         /customers/{id}/wallets) until interrupted
  send   play scripted customer journeys and POST their Svix-signed webhooks to --target
  demo   serve the API and send the demo journey, then keep serving until interrupted

API options (api, demo, and send with --serve-api):
  --port N              port to listen on (default 4010)
  --host HOST           address to listen on (default 127.0.0.1)
  --api-key KEY         key to accept as "Authorization: Bearer" or "X-API-Key"
                        (default COMPILOT_API_KEY, else "sim_dev_key")
  --seed-customers N    start with N onboarded customers (default 0)
  --rate-429 R          share of requests answered 429 with Retry-After, 0..1
  --retry-after S       Retry-After seconds sent with a 429 (default 1)
  --rate-5xx R          share of requests answered 503, 0..1
  --latency-ms MS       delay added to every answer
  --drop-rate R         share of connections destroyed without an answer, 0..1

Webhook options (send, demo):
  --target URL          webhook URL (default http://127.0.0.1:$PORT${WEBHOOK_PATH})
  --secret whsec_...    signing secret (default: the first of COMPILOT_WEBHOOK_SECRET)
  --journey NAMES       comma-separated, or "all" (default all): ${JOURNEY_NAMES.join(', ')}
  --customers N         customers to play, cycling through the journeys (default: one each)
  --concurrency N       journeys played at once (default 4)
  --redeliver           deliver every webhook a second time with the same svix-id
  --out-of-order        deliver each journey's webhooks in reverse order
  --unknown-event-type  also send an event type the service does not know
  --drop-webhooks R     share of webhooks never delivered, 0..1, as after an outage: each
                        journey's last ones are lost (their changes still happen, 1 s later),
                        so the ledger misses them until \`compilot-ledger reconcile\` runs
  --serve-api           (send) also serve the API with the same state, until interrupted
  --simulator URL       also tell the simulator at URL (the one \`dev\` prints) about every
                        customer made up, with --api-key, so its API knows them

A target that has not answered for ${GIVE_UP_MS / 1000} s ends the run; the summary lists the customer
ids made up.

  -h, --help            show this help

Exit codes: 0 ok, 1 some deliveries failed, 2 usage error.`;

/**
 * Runs the simulator; resolves with the exit code. Long-running modes serve until
 * `deps.stopSignal` aborts.
 */
export async function run(args: string[], io: CliDeps): Promise<number> {
  let parsed: ReturnType<typeof parseSimulateArgs>;
  try {
    parsed = parseSimulateArgs(args);
  } catch (error) {
    io.stderr.write(`compilot-ledger simulate: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { mode, values } = parsed;
  const config = loadConfig(io.env, { settings: COMMAND_SETTINGS.simulate });
  // JSON logs go to stderr: stdout carries the summary.
  const logger = createLogger(config.logLevel, io.stderr);
  const base = createSimulatorState();
  // Customers made up here, in creation order; each change is told to --simulator, if given.
  const created = new Set<string>();
  const registrar =
    values.simulator === undefined
      ? undefined
      : createRegistrar({
          url: values.simulator,
          apiKey: values.apiKey ?? config.compilotApi.key ?? 'sim_dev_key',
        });
  const state = observeCustomers(base, (customer) => {
    created.add(customer.id);
    registrar?.register(customer);
  });

  const serveApi = async () => {
    const api = await startSimulatorApi({
      port: values.port,
      host: values.host,
      apiKey: values.apiKey ?? config.compilotApi.key ?? 'sim_dev_key',
      faults: values.faults,
      state: base,
      logger,
    });
    for (let i = 0; i < values.seedCustomers; i += 1) {
      const customer = base.addCustomer();
      base.updateCustomer(customer.id, {
        onboardingLevel: 'Onboarded',
        status: 'Active',
        riskScore: 'Low',
        reason: 'Rules engine verification passed',
      });
    }
    io.stdout.write(`ComPilot API simulator listening on ${api.url}\n`);
    return api;
  };

  const secret = values.secret ?? config.webhookSecrets[0];
  const target = values.target ?? `http://127.0.0.1:${config.port}${WEBHOOK_PATH}`;
  if (mode !== 'api' && secret === undefined) {
    io.stderr.write('compilot-ledger simulate: give --secret or set COMPILOT_WEBHOOK_SECRET\n');
    return 2;
  }
  const summary = (report: JourneyReport): void => {
    io.stdout.write(
      `delivered ${count(report.deliveries.length, 'webhook')} for ` +
        `${count(report.customerIds.length, 'customer')} to ${target} (${report.failed} failed` +
        `${report.dropped > 0 ? `, ${report.dropped} dropped on purpose` : ''})\n` +
        `customers: ${report.customerIds.join(' ')}\n`,
    );
  };
  const deliver = async (
    play: (sender: WebhookSender) => Promise<JourneyReport>,
  ): Promise<number> => {
    const plain = createWebhookSender({
      targetUrl: target,
      secret: secret!,
      logger,
      giveUpAfterMs: GIVE_UP_MS,
    });
    // The simulator must know a customer before the webhook that makes enrichment ask about it.
    const sender: WebhookSender = registrar
      ? {
          deliver: (message, signal) =>
            registrar.flush().then(() => plain.deliver(message, signal)),
        }
      : plain;
    try {
      const report = await play(sender);
      summary(report);
      return report.failed > 0 ? 1 : 0;
    } catch (error) {
      if (!(error instanceof TargetUnreachableError)) throw error;
      io.stdout.write(
        `stopped: ${error.message}; ${count(created.size, 'customer')} made up before that\n` +
          `customers: ${[...created].join(' ')}\n`,
      );
      return 1;
    }
  };

  if (mode === 'api') {
    const api = await serveApi();
    await stopped(io.stopSignal);
    await api.close();
    return 0;
  }
  if (mode === 'demo') {
    const api = await serveApi();
    try {
      const code = await deliver((sender) =>
        runDemoJourney({
          targetUrl: target,
          secret: secret!,
          state,
          sender,
          logger,
          signal: io.stopSignal,
          ...(values.dropWebhooks ? { dropWebhooks: values.dropWebhooks } : {}),
        }),
      );
      await stopped(io.stopSignal);
      return code;
    } finally {
      await api.close();
    }
  }
  const api = values.serveApi ? await serveApi() : undefined;
  try {
    const code = await deliver((sender) =>
      runJourneys({
        sender,
        state,
        journeys: values.journeys,
        customers: values.customers ?? values.journeys.length,
        concurrency: values.concurrency,
        redeliver: values.redeliver,
        outOfOrder: values.outOfOrder,
        unknownEventType: values.unknownEventType,
        ...(values.dropWebhooks ? { dropWebhooks: values.dropWebhooks } : {}),
        logger,
        signal: io.stopSignal,
      }),
    );
    if (api) await stopped(io.stopSignal);
    return code;
  } finally {
    await api?.close();
  }
}

function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
