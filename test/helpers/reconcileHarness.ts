/**
 * Reconciliation under test as it runs in production: the whole service (`startService`: real
 * ingress, SQLite event store and read model, enrichment, projections) talking to the ComPilot
 * API simulator over HTTP, with journeys delivered as Svix-signed webhooks of which a share is
 * dropped on purpose, so the ledger really has missed changes for reconciliation to find.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { createCompilotClient, type CompilotClient } from '../../src/compilot/client.js';
import { loadConfig, type Config } from '../../src/config.js';
import { RECONCILIATION_STREAM } from '../../src/events/streams.js';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { getCustomer } from '../../src/readmodel/queries.js';
import { startService, type RunningService } from '../../src/service.js';
import { runJourneys, type JourneyReport } from '../../src/simulator/journeys.js';
import { createWebhookSender } from '../../src/simulator/sender.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { generateSecret } from './signWebhook.js';
import {
  addActiveCustomer,
  startSimulator,
  waitFor,
  type SimulatorHarness,
} from './simulatorHarness.js';
import { ENCRYPTION_ENV } from './encryptionKey.js';

export const QUERY_TOKEN = 'reconcile-test-token-0123456789';
export const silent = createLogger('silent');

export interface ReconcileWorld {
  readonly dir: string;
  readonly sim: SimulatorHarness;
  readonly service: RunningService;
  readonly config: Config;
  /** The settings the service runs with (for a CLI child on the same files). */
  readonly env: Record<string, string>;
  /** A client of its own (its own rate limit), as the `reconcile` command builds one. */
  client(): CompilotClient;
  /** Plays `customers` journeys, dropping the given share of webhooks (seeded, repeatable). */
  send(customers: number, dropWebhooks: number, seed?: number): Promise<JourneyReport>;
  /** Waits until enrichment and every projection have handled the whole log. */
  settle(): Promise<void>;
  /** Live simulator customers whose read-model state differs from the simulator's. */
  mismatches(): string[];
  /** Events outside the reconciliation stream, in log order. */
  ledgerEvents(): Promise<RecordedEvent[]>;
  reconciliationRecords(): Promise<RecordedEvent[]>;
}

export interface WorldOptions {
  /** Settings on top of the test's own. */
  readonly env?: Record<string, string>;
  /** Active customers the simulator knows before the service starts (the ledger does not). */
  readonly seedCustomers?: number;
  /** The simulator's fault dice. */
  readonly simRandom?: () => number;
}

export async function startReconcileWorld(
  t: Test,
  options: WorldOptions = {},
): Promise<ReconcileWorld> {
  const dir = t.testdir({});
  const sim = await startSimulator(t, options.simRandom ? { random: options.simRandom } : {});
  for (let i = 0; i < (options.seedCustomers ?? 0); i += 1) addActiveCustomer(sim.state);
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    COMPILOT_WEBHOOK_SECRET: generateSecret(),
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
    QUERY_API_TOKENS: QUERY_TOKEN,
    COMPILOT_API_URL: sim.api.url,
    COMPILOT_API_KEY: sim.apiKey,
    ...options.env,
  };
  const config = loadConfig(env, { requireWebhookSecret: true });
  const service = await startService(config, silent);
  t.teardown(() => service.close());

  const allEvents = async (): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    for (;;) {
      const page = await service.store.readAll({ after: events.at(-1)?.position, maxCount: 1000 });
      events.push(...page);
      if (page.length < 1000) return events;
    }
  };

  return {
    dir,
    sim,
    service,
    config,
    env,
    client: () => createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
    send(customers, dropWebhooks, seed = 7) {
      return runJourneys({
        sender: createWebhookSender({
          targetUrl: `${service.url}${WEBHOOK_PATH}`,
          secret: config.webhookSecrets[0]!,
        }),
        state: sim.state,
        customers,
        dropWebhooks,
        outageMs: 200,
        random: seededRandom(seed),
      });
    },
    async settle() {
      const head = await service.store.headPosition();
      if (head === undefined) return;
      await waitFor(() => {
        const status = service.enrichment!.status();
        return status.caughtUp && status.checkpoint !== undefined && status.checkpoint >= head;
      }, 'enrichment to catch up');
      const last = await service.store.headPosition();
      await service.projections.waitFor((status) =>
        status.projections.every(
          (p) => p.caughtUp && p.checkpoint !== null && p.checkpoint >= last!,
        ),
      );
    },
    mismatches() {
      return sim.state.customers().flatMap((customer) => {
        const ledger = getCustomer(service.readModelDb, customer.id);
        const same =
          ledger !== undefined &&
          ledger.status === customer.status &&
          ledger.riskScore === customer.riskScore &&
          ledger.onboardingLevel === customer.onboardingLevel;
        return same ? [] : [customer.id];
      });
    },
    async ledgerEvents() {
      return (await allEvents()).filter((event) => event.streamName !== RECONCILIATION_STREAM);
    },
    reconciliationRecords() {
      return service.store.readStream(RECONCILIATION_STREAM);
    },
  };
}

/** mulberry32: a repeatable `random` for which webhooks are dropped. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
