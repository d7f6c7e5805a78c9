import t from 'tap';
import { generateSecret } from '../helpers/signWebhook.js';
import { fixtureBody, startAuditHarness } from '../helpers/auditHarness.js';

const tokenA = 'token-a-0123456789abcdef';
const tokenB = 'token-b-0123456789abcdef';

void t.test('the query API requires a configured bearer token', async (t) => {
  const h = await startAuditHarness(t.testdir(), { tokens: [tokenA, tokenB] });
  t.teardown(() => h.close());

  await t.test('a request without a token is refused with 401 and a challenge', async (t) => {
    const res = await h.get('/events', { token: null });
    t.equal(res.status, 401);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="compilot-ledger"');
    t.match(res.json(), { error: /missing bearer token/ });
  });

  await t.test('a wrong token is refused with invalid_token', async (t) => {
    const res = await h.get('/customers/x', { token: 'not-the-token-at-all' });
    t.equal(res.status, 401);
    t.match(res.headers['www-authenticate'], /error="invalid_token"/);
    t.same(res.json(), { error: 'invalid bearer token' });
  });

  await t.test('a token that is a prefix of a configured one is refused', async (t) => {
    t.equal((await h.get('/events', { token: tokenA.slice(0, -1) })).status, 401);
  });

  await t.test('another authorization scheme is refused', async (t) => {
    const res = await h.get('/events', {
      token: null,
      headers: { authorization: `Basic ${Buffer.from(`u:${tokenA}`).toString('base64')}` },
    });
    t.equal(res.status, 401);
    t.match(res.json(), { error: /not a bearer token/ });
  });

  await t.test('every configured token is accepted', async (t) => {
    t.equal((await h.get('/events', { token: tokenA })).status, 200);
    t.equal((await h.get('/events', { token: tokenB })).status, 200);
    t.equal(
      (await h.get('/events', { token: null, headers: { authorization: `bearer ${tokenB}` } }))
        .status,
      200,
    );
  });

  await t.test('the webhook route needs no token, only its signature', async (t) => {
    const res = await h.deliver(fixtureBody('customer.created'));
    t.equal(res.status, 200);
  });

  await t.test('the OpenAPI document is public', async (t) => {
    const res = await h.get('/openapi.json', { token: null });
    t.equal(res.status, 200);
    t.equal(res.json().openapi, '3.1.0');
  });

  await t.test('routes outside the query API are not guarded by it', async (t) => {
    t.equal((await h.get('/healthz', { token: null })).status, 200);
    t.equal((await h.get('/no-such-route', { token: null })).status, 404);
  });
});

void t.test('without any token the query API is disabled and says so', async (t) => {
  const h = await startAuditHarness(t.testdir(), {
    tokens: [],
    ingressSecrets: [generateSecret()],
  });
  t.teardown(() => h.close());
  const res = await h.get('/customers', { token: 'whatever-token-1234567' });
  t.equal(res.status, 503);
  t.match(res.json(), { error: /query API is disabled.*QUERY_API_TOKENS/ });
  t.ok(h.logs.some((line) => line.includes('query API disabled')));
  t.equal((await h.deliver(fixtureBody('customer.created'))).status, 200);
});
