/**
 * The `simulate` command's options: the parseArgs table and turning its strings into checked
 * values. Kept apart from the command so the wiring in simulate.ts reads without the validation,
 * and so the parsing can be tested without starting servers.
 */
import { parseArgs } from 'node:util';
import type { SimulatorFaults } from '../simulator/apiServer.js';
import { isJourneyName, JOURNEY_NAMES, type JourneyName } from '../simulator/journeys.js';

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  'seed-customers': { type: 'string' },
  'rate-429': { type: 'string' },
  'retry-after': { type: 'string' },
  'rate-5xx': { type: 'string' },
  'latency-ms': { type: 'string' },
  'drop-rate': { type: 'string' },
  target: { type: 'string' },
  secret: { type: 'string' },
  journey: { type: 'string' },
  customers: { type: 'string' },
  concurrency: { type: 'string' },
  redeliver: { type: 'boolean' },
  'out-of-order': { type: 'boolean' },
  'unknown-event-type': { type: 'boolean' },
  'drop-webhooks': { type: 'string' },
  'serve-api': { type: 'boolean' },
  simulator: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class Usage extends Error {}

/**
 * Throws on any bad invocation (parseArgs' own errors included); `run` answers every throw with
 * the message, the usage and exit code 2.
 */
export function parseSimulateArgs(args: string[]) {
  const { values: raw, positionals } = parseArgs({
    args,
    options: OPTIONS,
    allowPositionals: true,
  });
  if (raw.help) return { help: true as const };
  const [mode, ...extra] = positionals;
  if (mode === undefined) throw new Usage('a mode is required: api, send or demo');
  if (mode !== 'api' && mode !== 'send' && mode !== 'demo') {
    throw new Usage(`unknown mode "${mode}"`);
  }
  if (extra.length > 0) throw new Usage(`unexpected argument "${extra[0]}"`);
  const journeys = (raw.journey ?? 'all')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const names: JourneyName[] = [];
  for (const name of journeys) {
    if (name === 'all') names.push(...JOURNEY_NAMES);
    else if (isJourneyName(name)) names.push(name);
    else throw new Usage(`unknown journey "${name}" (known: ${JOURNEY_NAMES.join(', ')}, all)`);
  }
  if (names.length === 0) throw new Usage('--journey names no journey');
  const faults: SimulatorFaults = {
    rate429: share(raw['rate-429'], '--rate-429'),
    retryAfterSeconds: whole(raw['retry-after'], '--retry-after', 0),
    rate5xx: share(raw['rate-5xx'], '--rate-5xx'),
    latencyMs: whole(raw['latency-ms'], '--latency-ms', 0),
    dropRate: share(raw['drop-rate'], '--drop-rate'),
  };
  if (raw.target !== undefined && !/^https?:\/\/\S+$/.test(raw.target)) {
    throw new Usage('--target must be an http(s) URL');
  }
  if (raw.simulator !== undefined && !/^https?:\/\/\S+$/.test(raw.simulator)) {
    throw new Usage('--simulator must be an http(s) URL');
  }
  return {
    help: false as const,
    mode,
    values: {
      port: whole(raw.port, '--port', 0, 65535) ?? 4010,
      host: raw.host ?? '127.0.0.1',
      apiKey: raw['api-key'],
      seedCustomers: whole(raw['seed-customers'], '--seed-customers', 0) ?? 0,
      faults,
      target: raw.target,
      secret: raw.secret,
      journeys: names,
      customers: whole(raw.customers, '--customers', 1),
      concurrency: whole(raw.concurrency, '--concurrency', 1) ?? 4,
      redeliver: raw.redeliver ?? false,
      outOfOrder: raw['out-of-order'] ?? false,
      unknownEventType: raw['unknown-event-type'] ?? false,
      dropWebhooks: share(raw['drop-webhooks'], '--drop-webhooks'),
      serveApi: raw['serve-api'] ?? false,
      simulator: raw.simulator,
    },
  };
}

function share(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !(value >= 0 && value <= 1)) {
    throw new Usage(`${name} must be a number from 0 to 1`);
  }
  return value;
}

function whole(raw: string | undefined, name: string, min: number, max = 1e9): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Usage(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
