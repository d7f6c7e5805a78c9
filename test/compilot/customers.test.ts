import t from 'tap';
import { apiPath, createCompilotClient } from '../../src/compilot/client.js';
import { createCustomersApi, customerDetailsPath } from '../../src/compilot/customers.js';
import {
  CompilotBadResponseError,
  CompilotInvalidIdError,
  CompilotNotFoundError,
} from '../../src/compilot/comPilotErrors.js';
import { startServer } from '../helpers/httpServer.js';
import { addActiveCustomer, startSimulator } from '../helpers/simulatorHarness.js';

void t.test(
  'getCustomerDetails returns the exact bytes, the status and the parsed body',
  async (t) => {
    const sim = await startSimulator(t);
    const id = addActiveCustomer(sim.state);
    const api = createCustomersApi(
      createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
    );
    const details = await api.getCustomerDetails(id);
    t.equal(details.status, 200);
    t.equal(details.path, customerDetailsPath(id));
    t.same(JSON.parse(details.body.toString('utf8')), details.json);
    t.equal(details.json.id, id);
    t.equal(details.json.status, 'Active');
    t.equal(details.json.onboardingLevel, 'Onboarded');
    t.equal(details.json.customerWallets?.[0]?.wallet, sim.state.customer(id)!.wallets[0]!.address);
  },
);

void t.test('getCustomer and getCustomerWallets read the customer and its addresses', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
  );
  const customer = await api.getCustomer(id);
  t.equal(customer.riskScore, 'Low');
  const wallets = await api.getCustomerWallets(id);
  t.equal(wallets.length, 1);
  t.match(wallets[0]!.address, /^0x[0-9a-f]{40}$/);
});

void t.test('listCustomers pages with currentPage and limit and reports totalCount', async (t) => {
  const sim = await startSimulator(t);
  const ids = Array.from({ length: 5 }, () => addActiveCustomer(sim.state));
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
  );
  const first = await api.listCustomers({ currentPage: 1, limit: 2 });
  const third = await api.listCustomers({ currentPage: 3, limit: 2 });
  t.equal(first.totalCount, 5);
  t.same(
    first.data.map((item) => item.id),
    ids.slice(0, 2),
  );
  t.same(
    third.data.map((item) => item.id),
    ids.slice(4),
  );
  t.equal(first.data[0]!.onboarding_level, 'Onboarded', 'list items use snake_case');
  t.equal(sim.api.requests[0]!.path, '/customers?currentPage=1&limit=2');
  await t.rejects(api.listCustomers({ currentPage: 0, limit: 2 }), RangeError);
});

void t.test('ids are percent-encoded as one path segment', async (t) => {
  const sim = await startSimulator(t);
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
  );
  await t.rejects(api.getCustomer('a?b#c d%e'), CompilotNotFoundError);
  t.equal(sim.api.requests[0]!.path, '/customers/a%3Fb%23c%20d%25e');
});

void t.test('an implausible id is refused before any request is sent', async (t) => {
  const sim = await startSimulator(t);
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
  );
  const ids = ['', '.', '..', 'a/b', 'a\\b', '/', 'a\u0000b', 'tab\there', 'x'.repeat(257)];
  for (const id of ids) {
    for (const call of [
      () => api.getCustomerDetails(id),
      () => api.getCustomer(id),
      () => api.getCustomerWallets(id),
    ]) {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      t.type(error, CompilotInvalidIdError, JSON.stringify(id));
      // ('/' alone is named by the message as what is wrong, so only longer ids are checked.)
      if (id.length > 1) t.notOk((error as Error).message.includes(id), 'not quoted');
    }
  }
  t.equal(sim.api.requests.length, 0, 'nothing reached the API');
  // 256 characters is still an id.
  await t.rejects(api.getCustomer('x'.repeat(256)), CompilotNotFoundError);
  t.equal(sim.api.requests.length, 1);
});

void t.test('the client refuses a path with a dot segment, encoded or not', async (t) => {
  const sim = await startSimulator(t);
  const client = createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey });
  for (const path of ['/customers/../details', '/customers/./x', '/customers/%2E%2e/details']) {
    await t.rejects(client.request({ path }), CompilotInvalidIdError, path);
  }
  t.equal(sim.api.requests.length, 0);
  t.equal(apiPath`/customers/${'a b'}/details`, '/customers/a%20b/details');
  t.throws(() => apiPath`/customers/${'..'}/details`, CompilotInvalidIdError);
});

void t.test('a 2xx body that is not JSON is a bad-response error carrying the bytes', async (t) => {
  // A real server answering garbage: the simulator only ever answers JSON.
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>maintenance</html>');
  });
  t.teardown(() => server.close());
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: server.baseUrl, apiKey: 'sk_test_0123456789' }),
  );
  const error = await api.getCustomerDetails('42').then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, CompilotBadResponseError);
  t.equal((error as CompilotBadResponseError).status, 200);
  t.equal((error as CompilotBadResponseError).bodyText(), '<html>maintenance</html>');
});
