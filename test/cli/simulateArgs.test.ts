import t from 'tap';
import { parseSimulateArgs } from '../../src/cli/simulateArgs.js';
import { JOURNEY_NAMES } from '../../src/simulator/journeys.js';

function parseMode(args: string[]) {
  const parsed = parseSimulateArgs(args);
  if (parsed.help) throw new Error(`expected a mode, got help for ${args.join(' ')}`);
  return parsed;
}

void t.test('a bare mode gets the documented defaults', async (t) => {
  const parsed = parseMode(['send']);
  t.equal(parsed.mode, 'send');
  t.match(parsed.values, {
    port: 4010,
    host: '127.0.0.1',
    seedCustomers: 0,
    concurrency: 4,
    customers: undefined,
    redeliver: false,
    outOfOrder: false,
    unknownEventType: false,
    dropWebhooks: undefined,
    serveApi: false,
  });
  t.same(parsed.values.journeys, JOURNEY_NAMES);
});

void t.test('--journey trims names, skips blanks and expands "all" in place', async (t) => {
  const first = JOURNEY_NAMES[0];
  const parsed = parseMode(['send', '--journey', ` ${first}, ,all`]);
  t.same(parsed.values.journeys, [first, ...JOURNEY_NAMES]);
});

void t.test('fault options become the faults the API server takes', async (t) => {
  const parsed = parseMode([
    'api',
    '--rate-429',
    '0.5',
    '--retry-after',
    '3',
    '--rate-5xx',
    '1',
    '--latency-ms',
    '20',
    '--drop-rate',
    '0',
  ]);
  t.same(parsed.values.faults, {
    rate429: 0.5,
    retryAfterSeconds: 3,
    rate5xx: 1,
    latencyMs: 20,
    dropRate: 0,
  });
});

void t.test('numbers outside their range or not written as numbers are refused', async (t) => {
  t.equal(parseSimulateArgs(['api', '--port', '65535']).help, false);
  t.throws(
    () => parseSimulateArgs(['api', '--port', '65536']),
    /--port must be a whole number from 0 to 65535/,
  );
  t.throws(() => parseSimulateArgs(['api', '--port', '1e3']), /--port must be a whole number/);
  t.throws(
    () => parseSimulateArgs(['send', '--customers', '0']),
    /--customers must be a whole number from 1/,
  );
  t.throws(
    () => parseSimulateArgs(['api', '--rate-5xx', ' ']),
    /--rate-5xx must be a number from 0 to 1/,
  );
  t.throws(() => parseSimulateArgs(['send', '--journey', ',']), /--journey names no journey/);
});

void t.test('--help wins over everything else', async (t) => {
  t.same(parseSimulateArgs(['bogus', '--port', 'x', '--help']), { help: true });
});
