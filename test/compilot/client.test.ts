import { inspect } from 'node:util';
import t from 'tap';
import { Registry } from 'prom-client';
import { createCompilotClient, type CompilotClientOptions } from '../../src/compilot/client.js';
import { createCustomersApi } from '../../src/compilot/customers.js';
import {
  CompilotApiError,
  CompilotNotFoundError,
  CompilotUnauthorizedError,
  CompilotUnavailableError,
} from '../../src/compilot/comPilotErrors.js';
import type { SimulatorHarness } from '../helpers/simulatorHarness.js';
import {
  addActiveCustomer,
  captureLogger,
  scriptedRandom,
  startSimulator,
  waitFor,
} from '../helpers/simulatorHarness.js';

function clientFor(sim: SimulatorHarness, options: Partial<CompilotClientOptions> = {}) {
  return createCompilotClient({
    baseUrl: sim.api.url,
    apiKey: sim.apiKey,
    backoffBaseMs: 20,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

void t.test('a 2xx answer is returned byte-exact after one request', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const response = await clientFor(sim).request({ path: `/customers/${id}/details` });
  t.equal(response.status, 200);
  t.equal(response.attempts, 1);
  t.equal(sim.api.requests.length, 1);
  const json = JSON.parse(response.body.toString('utf8')) as { id: string; status: string };
  t.equal(json.id, id);
  t.equal(json.status, 'Active');
});

void t.test('a 429 is retried after the Retry-After seconds the server asked for', async (t) => {
  const sim = await startSimulator(t, {
    faults: { rate429: 0.5, retryAfterSeconds: 1 },
    random: scriptedRandom([0]),
  });
  const id = addActiveCustomer(sim.state);
  const response = await clientFor(sim).request({ path: `/customers/${id}` });
  t.equal(response.attempts, 2);
  const [first, second] = sim.api.requests;
  t.equal(first!.status, 429);
  t.equal(second!.status, 200);
  t.ok(second!.at - first!.at >= 1000, 'the retry came no sooner than Retry-After');
});

void t.test('a Retry-After given as an HTTP date is honoured too', async (t) => {
  const sim = await startSimulator(t, {
    faults: { rate429: 0.5, retryAfterSeconds: 2, retryAfterFormat: 'date' },
    random: scriptedRandom([0]),
  });
  const id = addActiveCustomer(sim.state);
  await clientFor(sim).request({ path: `/customers/${id}` });
  const [first, second] = sim.api.requests;
  // The date has whole-second precision, so it lies 1 to 2 s after the 429.
  t.ok(second!.at - first!.at >= 900, 'the retry waited until the date');
});

void t.test(
  '5xx answers are retried, then reported as unavailable with status and body',
  async (t) => {
    const sim = await startSimulator(t, { faults: { rate5xx: 1 } });
    const id = addActiveCustomer(sim.state);
    const error = await rejection(
      clientFor(sim, { maxRetries: 2 }).request({ path: `/customers/${id}` }),
    );
    t.type(error, CompilotUnavailableError);
    const unavailable = error as CompilotUnavailableError;
    t.equal(unavailable.type, 'unavailable');
    t.equal(unavailable.reason, 'http');
    t.equal(unavailable.status, 503);
    t.same(JSON.parse(unavailable.bodyText()), { error: 'Service unavailable' });
    t.equal(unavailable.attempts, 3);
    t.equal(sim.api.requests.length, 3, 'first attempt plus maxRetries');
  },
);

void t.test(
  'an answer slower than the timeout ends as unavailable after the retries',
  async (t) => {
    const sim = await startSimulator(t, { faults: { latencyMs: 3000 } });
    const id = addActiveCustomer(sim.state);
    const client = clientFor(sim, { timeoutMs: 150, maxRetries: 1 });
    const error = await rejection(client.request({ path: `/customers/${id}` }));
    t.type(error, CompilotUnavailableError);
    t.equal((error as CompilotUnavailableError).reason, 'timeout');
    t.equal((error as CompilotUnavailableError).status, undefined);
    t.equal(sim.api.requests.length, 2);
  },
);

void t.test('a dropped connection is retried like a network error', async (t) => {
  const sim = await startSimulator(t, { faults: { dropRate: 0.5 }, random: scriptedRandom([0]) });
  const id = addActiveCustomer(sim.state);
  const response = await clientFor(sim).request({ path: `/customers/${id}` });
  t.equal(response.status, 200);
  t.same(
    sim.api.requests.map((request) => request.status),
    ['dropped', 200],
  );
});

void t.test('a 404 is not retried and is a typed not-found error', async (t) => {
  const sim = await startSimulator(t);
  const error = await rejection(
    createCustomersApi(clientFor(sim)).getCustomerDetails('00000000-0000-4000-8000-000000000000'),
  );
  t.type(error, CompilotNotFoundError);
  const notFound = error as CompilotNotFoundError;
  t.equal(notFound.type, 'not-found');
  t.equal(notFound.status, 404);
  t.equal(notFound.path, '/customers/00000000-0000-4000-8000-000000000000/details');
  t.same(JSON.parse(notFound.bodyText()), { error: 'Customer not found' });
  t.equal(sim.api.requests.length, 1);
});

void t.test('a 400 is not retried and is a bad-response error', async (t) => {
  const sim = await startSimulator(t);
  const error = await rejection(
    createCustomersApi(clientFor(sim)).listCustomers({ currentPage: 1, limit: 500 }),
  );
  t.type(error, CompilotApiError);
  t.equal((error as CompilotApiError).type, 'bad-response');
  t.equal((error as CompilotApiError).status, 400);
  t.equal(sim.api.requests.length, 1);
});

void t.test('a refused key is a typed unauthorized error and is not retried', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const client = createCompilotClient({ baseUrl: sim.api.url, apiKey: 'sk_wrong_key_0123' });
  const error = await rejection(client.request({ path: `/customers/${id}` }));
  t.type(error, CompilotUnauthorizedError);
  t.equal((error as CompilotUnauthorizedError).status, 401);
  t.equal(sim.api.requests.length, 1);
});

void t.test('the API key appears in no log line and no error', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const { logger, lines } = captureLogger('debug');
  const errors: unknown[] = [];
  const client = clientFor(sim, { logger, maxRetries: 1, timeoutMs: 200 });
  await client.request({ path: `/customers/${id}` });
  errors.push(await rejection(client.request({ path: '/customers/unknown-id' })));
  sim.api.setFaults({ rate5xx: 1 });
  errors.push(await rejection(client.request({ path: `/customers/${id}` })));
  sim.api.setFaults({ latencyMs: 1000 });
  errors.push(await rejection(client.request({ path: `/customers/${id}` })));
  sim.api.setFaults({});
  const wrongKey = 'sk_wrong_key_should_not_leak_1';
  const refused = createCompilotClient({ baseUrl: sim.api.url, apiKey: wrongKey, logger });
  errors.push(await rejection(refused.request({ path: `/customers/${id}` })));

  t.ok(lines.length >= 5, 'the client did log');
  for (const line of lines) {
    t.notOk(line.includes(sim.apiKey), 'no log line holds the key');
    t.notOk(line.includes(wrongKey), 'no log line holds the refused key');
    t.notOk(line.includes(id), 'no log line holds the customer id of the path');
  }
  for (const error of errors) {
    const rendered = `${String(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;
    t.notOk(rendered.includes(sim.apiKey), `${(error as Error).name} does not hold the key`);
    t.notOk(rendered.includes(wrongKey), `${(error as Error).name} does not hold a refused key`);
  }
});

void t.test('no 1-second window at the server sees more requests than the limit', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const limit = 5;
  const client = clientFor(sim, { ratePerSecond: limit, maxConcurrency: 10 });
  await Promise.all(
    Array.from({ length: 3 * limit + 2 }, () => client.request({ path: `/customers/${id}` })),
  );
  const arrivals = sim.api.requests.map((request) => request.at).sort((a, b) => a - b);
  t.equal(arrivals.length, 3 * limit + 2);
  for (let i = 0; i + limit < arrivals.length; i += 1) {
    // limit + 1 arrivals inside one window would put arrival i + limit within 1000 ms of i.
    t.ok(arrivals[i + limit]! - arrivals[i]! >= 1000, `window starting at request ${i}`);
  }
});

void t.test('no more requests are in flight at the server than the concurrency cap', async (t) => {
  const sim = await startSimulator(t, { faults: { latencyMs: 100 } });
  const id = addActiveCustomer(sim.state);
  const client = clientFor(sim, { maxConcurrency: 2, ratePerSecond: 1000 });
  await Promise.all(Array.from({ length: 8 }, () => client.request({ path: `/customers/${id}` })));
  let peak = 0;
  for (const request of sim.api.requests) {
    const overlapping = sim.api.requests.filter(
      (other) => other.at <= request.at && other.answeredAt! > request.at,
    ).length;
    peak = Math.max(peak, overlapping);
  }
  t.ok(peak <= 2, `at most 2 in flight (saw ${peak})`);
  t.ok(peak >= 1);
});

void t.test('aborting a request rejects it at once without retrying', async (t) => {
  const sim = await startSimulator(t, { faults: { latencyMs: 5000 } });
  const id = addActiveCustomer(sim.state);
  const controller = new AbortController();
  const pending = clientFor(sim).request({ path: `/customers/${id}`, signal: controller.signal });
  await waitFor(() => sim.api.requests.length === 1, 'the request to arrive');
  controller.abort();
  const error = await rejection(pending);
  t.equal((error as Error).name, 'AbortError');
  t.equal(sim.api.requests.length, 1);
});

void t.test('fetches and attempts are counted in the registry passed in', async (t) => {
  const sim = await startSimulator(t, { faults: { rate5xx: 0.5 }, random: scriptedRandom([0]) });
  const id = addActiveCustomer(sim.state);
  const registry = new Registry();
  const api = createCustomersApi(clientFor(sim, { registry }));
  await api.getCustomerDetails(id);
  await rejection(api.getCustomerDetails('no-such-customer'));
  createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey, registry });
  const text = await registry.metrics();
  t.match(
    text,
    /compilot_ledger_compilot_api_fetches_total\{operation="customer_details",outcome="ok"\} 1/,
  );
  t.match(
    text,
    /compilot_ledger_compilot_api_fetches_total\{operation="customer_details",outcome="not_found"\} 1/,
  );
  t.match(
    text,
    /compilot_ledger_compilot_api_retries_total\{operation="customer_details",reason="503"\} 1/,
  );
  t.match(
    text,
    /compilot_ledger_compilot_api_request_duration_seconds_count\{operation="customer_details",result="2xx"\} 1/,
  );
});
