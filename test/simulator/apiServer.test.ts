import t from 'tap';
import { send } from '../helpers/httpServer.js';
import { addActiveCustomer, startSimulator } from '../helpers/simulatorHarness.js';

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return send(port, path, { method: 'GET', headers });
}

void t.test('a Bearer key or an X-API-Key header is accepted', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const bearer = await get(sim.api.port, `/customers/${id}`, {
    authorization: `Bearer ${sim.apiKey}`,
  });
  const header = await get(sim.api.port, `/customers/${id}`, { 'x-api-key': sim.apiKey });
  t.equal(bearer.status, 200);
  t.equal(header.status, 200);
  t.equal(bearer.json().id, id);
  t.match(String(bearer.headers['content-type']), /^application\/json/);
});

void t.test('a missing or wrong key gets 401 with an error body', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const missing = await get(sim.api.port, `/customers/${id}`);
  const wrong = await get(sim.api.port, `/customers/${id}`, { authorization: 'Bearer nope' });
  const prefix = await get(sim.api.port, `/customers/${id}`, {
    authorization: `Bearer ${sim.apiKey.slice(0, -1)}`,
  });
  for (const response of [missing, wrong, prefix]) {
    t.equal(response.status, 401);
    t.same(response.json(), { error: 'Unauthorized' });
  }
});

void t.test('an unknown or deleted customer gets 404 Customer not found', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  sim.state.deleteCustomer(id);
  const auth = { authorization: `Bearer ${sim.apiKey}` };
  for (const path of [
    `/customers/${id}/details`,
    '/customers/nobody',
    '/customers/nobody/wallets',
  ]) {
    const response = await get(sim.api.port, path, auth);
    t.equal(response.status, 404, path);
    t.same(response.json(), { error: 'Customer not found' });
  }
  t.equal((await get(sim.api.port, '/alerts', auth)).status, 404);
  t.equal((await send(sim.api.port, '/customers', { method: 'POST', headers: auth })).status, 405);
});

void t.test('details carry the confirmed field names and enum values', async (t) => {
  const sim = await startSimulator(t);
  const id = addActiveCustomer(sim.state);
  const customer = sim.state.customer(id)!;
  const response = await get(sim.api.port, `/customers/${id}/details`, {
    authorization: `Bearer ${sim.apiKey}`,
  });
  t.match(response.json(), {
    id,
    status: 'Active',
    riskScore: 'Low',
    onboardingLevel: 'Onboarded',
    createdAt: customer.createdAt,
    customerClaims: [
      {
        givenName: customer.givenName,
        familyName: customer.familyName,
        nationality: /^[A-Z]{3}$/,
        countryOfResidence: /^[A-Z]{3}$/,
        birthdate: /^\d{4}-\d{2}-\d{2}$/,
      },
    ],
    customerEmails: [{ email: customer.email }],
    customerWallets: [{ wallet: customer.wallets[0]!.address, blockchainNamespace: 'eip155' }],
  });
});

void t.test('the list is paged and rejects a limit over 100', async (t) => {
  const sim = await startSimulator(t);
  for (let i = 0; i < 3; i += 1) addActiveCustomer(sim.state);
  const auth = { authorization: `Bearer ${sim.apiKey}` };
  const page = await get(sim.api.port, '/customers?currentPage=2&limit=2', auth);
  t.equal(page.status, 200);
  t.equal(page.json<{ totalCount: number }>().totalCount, 3);
  t.equal(page.json<{ data: unknown[] }>().data.length, 1);
  t.match(page.json<{ data: unknown[] }>().data[0], {
    onboarding_level: 'Onboarded',
    status: 'Active',
  });
  const tooBig = await get(sim.api.port, '/customers?limit=101', auth);
  t.equal(tooBig.status, 400);
  t.match(tooBig.json(), { error: /limit/ });
});

void t.test('fault injection answers 429 with Retry-After and 5xx, then recovers', async (t) => {
  const sim = await startSimulator(t, { faults: { rate429: 1, retryAfterSeconds: 7 } });
  const id = addActiveCustomer(sim.state);
  const auth = { authorization: `Bearer ${sim.apiKey}` };
  const limited = await get(sim.api.port, `/customers/${id}`, auth);
  t.equal(limited.status, 429);
  t.equal(limited.headers['retry-after'], '7');
  t.same(limited.json(), { error: 'Too many requests' });
  sim.api.setFaults({ rate5xx: 1, status5xx: 502 });
  t.equal((await get(sim.api.port, `/customers/${id}`, auth)).status, 502);
  sim.api.setFaults({ dropRate: 1 });
  await t.rejects(get(sim.api.port, `/customers/${id}`, auth), 'a dropped connection fails');
  sim.api.setFaults({});
  t.equal((await get(sim.api.port, `/customers/${id}`, auth)).status, 200);
  t.same(
    sim.api.requests.map((request) => request.status),
    [429, 502, 'dropped', 200],
  );
});
