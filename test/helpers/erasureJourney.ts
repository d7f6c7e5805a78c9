/**
 * A customer's journey through the real service for the retention and erasure tests: `serve`
 * as a child process (built CLI) with encryption at rest, the ComPilot simulator answering
 * details over real HTTP (names, emails, wallets), and svix-signed webhooks posted to it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Test } from 'tap';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import type { SimCustomer } from '../../src/simulator/state.js';
import { fixtureBody } from './auditHarness.js';
import { send, type HttpResponse } from './httpServer.js';
import { listeningPort, spawnCli, type CliProcess } from './serviceProcess.js';
import { generateSecret, signDelivery } from './signWebhook.js';
import { startSimulator, type SimulatorHarness } from './simulatorHarness.js';

export const TOKEN = 'erasure-journey-token-0123456789';
/** LEDGER_ENCRYPTION_KEY for these tests: 32 bytes, base64. */
export const ENCRYPTION_KEY = Buffer.alloc(32, 11).toString('base64');

export interface Ledger {
  readonly dir: string;
  readonly secret: string;
  readonly simulator: SimulatorHarness;
  /** The settings every command of this ledger runs with. */
  env(overrides?: Record<string, string>): Record<string, string>;
}

export async function createLedger(
  t: Test,
  store: { readonly eventStoreUrl?: string } = {},
): Promise<Ledger> {
  const dir = t.testdir({});
  const simulator = await startSimulator(t);
  const secret = generateSecret();
  return {
    dir,
    secret,
    simulator,
    env: (overrides = {}) => ({
      HOST: '127.0.0.1',
      PORT: '0',
      COMPILOT_WEBHOOK_SECRET: secret,
      QUERY_API_TOKENS: TOKEN,
      EVENT_STORE_URL: store.eventStoreUrl ?? `sqlite:${join(dir, 'events.db')}`,
      READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
      KEY_STORE_URL: `sqlite:${join(dir, 'keys.db')}`,
      VERIFY_REPORT: join(dir, 'verify-report.json'),
      LEDGER_ENCRYPTION_KEY: ENCRYPTION_KEY,
      COMPILOT_API_URL: simulator.api.url,
      COMPILOT_API_KEY: simulator.apiKey,
      ...overrides,
    }),
  };
}

export interface RunningLedger {
  readonly port: number;
  readonly process: CliProcess;
  get(path: string): Promise<HttpResponse>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | NodeJS.Signals | null>;
}

export async function serve(
  t: Test,
  ledger: Ledger,
  overrides: Record<string, string> = {},
): Promise<RunningLedger> {
  const service = spawnCli(['serve'], ledger.env(overrides), ledger.dir);
  t.teardown(() => {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
  });
  const port = await listeningPort(service);
  return {
    port,
    process: service,
    get: (path) =>
      send(port, path, { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } }),
    stop: async () => {
      service.child.kill('SIGTERM');
      return service.exited;
    },
  };
}

/** Runs one command to its end. */
export async function command(ledger: Ledger, args: string[], overrides = {}) {
  const cli = spawnCli(args, ledger.env(overrides), ledger.dir);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/**
 * A customer of the simulator with personal data found nowhere else (the webhook fixtures carry
 * names of their own), so a search for it cannot hit another customer's data.
 */
export function addPerson(ledger: Ledger): SimCustomer {
  const tag = randomBytes(4).toString('hex');
  return ledger.simulator.state.addCustomer({
    givenName: `Ysolde${tag}`,
    familyName: `Quarrington${tag}`,
    email: `ysolde.${tag}@example.test`,
    birthdate: `19${20 + (parseInt(tag, 16) % 30)}-0${1 + (parseInt(tag, 16) % 9)}-1${parseInt(tag, 16) % 10}`,
  });
}

/** The personal data the simulator made up for the customer. */
export function personalStrings(customer: SimCustomer): string[] {
  return [
    customer.givenName,
    customer.familyName,
    customer.email,
    customer.birthdate,
    customer.externalCustomerId,
    ...customer.wallets.map((w) => w.address),
    ...customer.wallets.map((w) => w.address.toLowerCase()),
  ];
}

export interface JourneyOptions {
  /** ComPilot's deletion time; none = the customer is not deleted. */
  readonly deletedAt?: string;
  readonly alertId?: string;
  /** Also a delivery that names the customer but fails its schema (quarantined). */
  readonly quarantined?: boolean;
}

/**
 * Created, a scenario on its wallet, an alert, (if asked) a quarantined delivery naming it, and
 * (if asked) deleted: signed, over HTTP.
 */
export async function deliverJourney(
  ledger: Ledger,
  port: number,
  customer: SimCustomer,
  options: JourneyOptions = {},
): Promise<void> {
  const ids = { customerId: customer.id, externalCustomerId: customer.externalCustomerId };
  // A customer is created before it is deleted: a deletion dated in the past moves the creation
  // a day before it (created later, the customer would read as restored after its deletion).
  const createdAt =
    options.deletedAt !== undefined && options.deletedAt <= customer.createdAt
      ? new Date(Date.parse(options.deletedAt) - 86_400_000).toISOString()
      : customer.createdAt;
  const bodies = [
    fixtureBody('customer.created', { ...ids, createdAt }),
    fixtureBody('send.scenario', {
      ...ids,
      executionId: `exec-${customer.id}`,
      address: customer.wallets[0]!.address,
    }),
    fixtureBody('alert.created', { ...ids, id: options.alertId ?? `alert-${customer.id}` }),
    ...(options.deletedAt === undefined
      ? []
      : [
          fixtureBody('customer.deleted', {
            ...ids,
            updatedAt: options.deletedAt,
            deletedAt: options.deletedAt,
          }),
        ]),
    ...(options.quarantined
      ? [{ eventType: 'customer.updated', payload: { ...ids, status: 42 } }]
      : []),
  ];
  for (const body of bodies) {
    const delivery = signDelivery({ secret: ledger.secret, body: JSON.stringify(body) });
    const answer = await send(port, WEBHOOK_PATH, {
      method: 'POST',
      body: delivery.body,
      headers: delivery.headers,
    });
    if (answer.status !== 200) throw new Error(`delivery answered ${answer.status}`);
  }
}

/** Polls `probe` until it returns true (every 100 ms, at most `timeoutMs`). */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
