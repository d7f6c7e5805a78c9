import { writeFileSync } from 'node:fs';
import t from 'tap';
import { CHECKPOINT_EVENT_TYPE, CHECKPOINT_STREAM } from '../../src/ui/ledgerStatus.js';
import { send, type HttpResponse } from '../helpers/httpServer.js';
import {
  HOSTILE,
  HOSTILE_CUSTOMER_ID,
  JOURNEY,
  VIEWER_TOKEN,
  seedHostileCustomer,
  seedJourney,
  startViewer,
} from '../helpers/viewerHarness.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function header(answer: HttpResponse, name: string): string {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join('\n') : (value ?? '');
}

async function signIn(port: number, extra: Record<string, string> = {}): Promise<HttpResponse> {
  return send(port, '/ui/sign-in', {
    headers: { ...FORM, ...extra },
    body: `token=${encodeURIComponent(VIEWER_TOKEN)}`,
  });
}

function sessionOf(answer: HttpResponse): string {
  return header(answer, 'set-cookie').split(';')[0]!;
}

void t.test('the root redirects to the viewer, whose pages carry a strict CSP', async (t) => {
  const { service } = await startViewer(t);
  const root = await send(service.port, '/', { method: 'GET' });
  t.equal(root.status, 302);
  t.equal(header(root, 'location'), '/ui/');

  const page = await send(service.port, '/ui/sign-in', { method: 'GET' });
  t.equal(page.status, 200);
  const csp = header(page, 'content-security-policy');
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'/);
  t.match(csp, /frame-ancestors 'none'/);
  t.notMatch(csp, /unsafe-inline/);
  t.equal(header(page, 'x-content-type-options'), 'nosniff');
  t.equal(header(page, 'referrer-policy'), 'same-origin');
  t.notMatch(page.body.toString(), /<script>|style=/, 'no inline script or style');

  const css = await send(service.port, '/ui/assets/ui.css', { method: 'GET' });
  t.equal(css.status, 200);
  t.match(header(css, 'content-type'), /text\/css/);
  t.match(css.body.toString(), /@media print/, 'the stylesheet ships a print layout');
});

void t.test(
  'without QUERY_API_TOKENS the root is not redirected and sign-in says why',
  async (t) => {
    const { service } = await startViewer(t, { QUERY_API_TOKENS: '' });
    t.equal((await send(service.port, '/', { method: 'GET' })).status, 404);
    const page = await send(service.port, '/ui/sign-in', { method: 'GET' });
    t.equal(page.status, 503);
    t.match(page.body.toString(), /QUERY_API_TOKENS/);
  },
);

void t.test('a token becomes an HttpOnly, SameSite=Strict, expiring session cookie', async (t) => {
  const { service } = await startViewer(t);
  const refused = await send(service.port, '/ui/sign-in', {
    headers: FORM,
    body: 'token=not-the-token-at-all-0000',
  });
  t.equal(refused.status, 401);
  t.equal(header(refused, 'set-cookie'), '', 'no cookie for a wrong token');

  const answer = await signIn(service.port);
  t.equal(answer.status, 303);
  t.equal(header(answer, 'location'), '/ui/');
  const cookie = header(answer, 'set-cookie');
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Strict/);
  t.match(cookie, /Max-Age=28800/);
  t.notMatch(cookie, /Secure/, 'plain HTTP: not Secure (the browser would drop it)');
  t.notMatch(cookie, new RegExp(VIEWER_TOKEN), 'the token is not the cookie');

  const overTls = await signIn(service.port, { 'x-forwarded-proto': 'https' });
  t.match(header(overTls, 'set-cookie'), /; Secure/, 'behind TLS the cookie is Secure');

  const home = await send(service.port, '/ui/', {
    method: 'GET',
    headers: { cookie: sessionOf(answer) },
  });
  t.equal(home.status, 200);
  const forged = await send(service.port, '/ui/', {
    method: 'GET',
    headers: { cookie: `${sessionOf(answer)}x` },
  });
  t.equal(forged.status, 303, 'an altered cookie is no session');
  t.equal(header(forged, 'location'), '/ui/sign-in');
});

void t.test('signing out needs the session form token; a cross-site post cannot', async (t) => {
  const { service } = await startViewer(t);
  const cookie = sessionOf(await signIn(service.port));
  const home = await send(service.port, '/ui/', { method: 'GET', headers: { cookie } });
  const formToken = /name="formToken" value="([^"]+)"/.exec(home.body.toString())?.[1];
  t.ok(formToken, 'the page carries the form token');

  const withoutToken = await send(service.port, '/ui/sign-out', {
    headers: { ...FORM, cookie },
    body: '',
  });
  t.equal(withoutToken.status, 403);
  const crossSite = await send(service.port, '/ui/sign-out', {
    headers: { ...FORM, cookie, origin: 'https://evil.example' },
    body: `formToken=${formToken}`,
  });
  t.equal(crossSite.status, 403);
  t.equal(
    (await send(service.port, '/ui/', { method: 'GET', headers: { cookie } })).status,
    200,
    'still signed in',
  );

  const out = await send(service.port, '/ui/sign-out', {
    headers: { ...FORM, cookie },
    body: `formToken=${formToken}`,
  });
  t.equal(out.status, 303);
  t.match(header(out, 'set-cookie'), /Max-Age=0/);
  t.equal((await send(service.port, '/ui/', { method: 'GET', headers: { cookie } })).status, 303);
});

void t.test('pages and exports need a session', async (t) => {
  const { service } = await startViewer(t);
  for (const path of ['/ui/', '/ui/alerts', `/ui/customers/${JOURNEY.customerId}/export.csv`]) {
    const answer = await send(service.port, path, { method: 'GET' });
    t.equal(answer.status, 303, path);
    t.equal(header(answer, 'location'), '/ui/sign-in');
  }
});

void t.test('every page shows the last checkpoint and verify result once they exist', async (t) => {
  const viewer = await startViewer(t);
  const { service } = viewer;
  const cookie = sessionOf(await signIn(service.port));
  const before = (await send(service.port, '/ui/', { method: 'GET', headers: { cookie } })).body;
  t.match(before.toString(), /no checkpoint yet/);
  t.match(before.toString(), /never verified/);

  await service.store.appendToStream(CHECKPOINT_STREAM, [
    {
      id: '4b7c2e1a-0d9f-4e8b-a6c5-3f2e1d0c9b8a',
      type: CHECKPOINT_EVENT_TYPE,
      data: Buffer.from(
        JSON.stringify({ position: '00000000000000000042', createdAt: '2026-01-02T03:04:05Z' }),
      ),
      metadata: {},
    },
  ]);
  writeFileSync(
    viewer.verifyReportPath,
    JSON.stringify({ ok: false, finishedAt: '2026-01-02T04:00:00Z', failures: 3 }),
  );
  const after = (
    await send(service.port, '/ui/alerts', { method: 'GET', headers: { cookie } })
  ).body.toString();
  t.match(after, /00000000000000000042/);
  t.match(after, /2026-01-02T03:04:05Z/);
  t.match(after, /FAILED/);
  t.match(after, /3 failure\(s\)/);
});

void t.test('strings from webhooks and snapshots are escaped in the HTML', async (t) => {
  const viewer = await startViewer(t);
  await seedHostileCustomer(viewer);
  await viewer.settle();
  const cookie = sessionOf(await signIn(viewer.service.port));
  const page = (
    await send(viewer.service.port, `/ui/customers/${HOSTILE_CUSTOMER_ID}`, {
      method: 'GET',
      headers: { cookie },
    })
  ).body.toString();
  t.notOk(page.includes(HOSTILE), 'the raw markup never reaches the page');
  t.ok(page.includes('&lt;img src=x onerror=alert(1)>'), 'it is there as text');
});

void t.test('a bad point in time is a 400 page naming the parameter', async (t) => {
  const viewer = await startViewer(t);
  await seedJourney(viewer);
  const cookie = sessionOf(await signIn(viewer.service.port));
  const answer = await send(
    viewer.service.port,
    `/ui/customers/${JOURNEY.customerId}?date=2025-02-31`,
    { method: 'GET', headers: { cookie } },
  );
  t.equal(answer.status, 400);
  t.match(answer.body.toString(), /parameter date/);
  const unknown = await send(viewer.service.port, '/ui/customers/nobody', {
    method: 'GET',
    headers: { cookie },
  });
  t.equal(unknown.status, 404);
  t.match(header(unknown, 'content-type'), /text\/html/);
});

void t.test(
  'a body too large to inline links to its exact bytes, served as sandboxed text',
  async (t) => {
    const viewer = await startViewer(t);
    await seedJourney(viewer);
    const padding = 'x'.repeat(70 * 1024);
    await viewer.appendDetails(
      JOURNEY.customerId,
      { id: JOURNEY.customerId, updatedAt: JOURNEY.movedAt, note: padding },
      new Date().toISOString(),
    );
    const stream = `customer-${JOURNEY.customerId}`;
    const [last] = await viewer.service.store.readStream(stream, {
      direction: 'backwards',
      maxCount: 1,
    });
    const cookie = sessionOf(await signIn(viewer.service.port));
    const page = (
      await send(viewer.service.port, `/ui/customers/${JOURNEY.customerId}`, {
        method: 'GET',
        headers: { cookie },
      })
    ).body.toString();
    const href = `/ui/streams/${stream}/events/${last!.revision}/raw`;
    t.ok(page.includes(`href="${href}"`), 'the page links to the raw body');
    t.notOk(page.includes(padding), 'and does not inline it');

    const raw = await send(viewer.service.port, href, { method: 'GET', headers: { cookie } });
    t.equal(raw.status, 200);
    t.ok(raw.body.equals(last!.data), 'byte for byte what is stored');
    t.match(header(raw, 'content-type'), /^text\/plain/);
    t.match(header(raw, 'content-security-policy'), /sandbox/);
    const missing = await send(viewer.service.port, `/ui/streams/${stream}/events/999/raw`, {
      method: 'GET',
      headers: { cookie },
    });
    t.equal(missing.status, 404);
    t.equal(
      (await send(viewer.service.port, href, { method: 'GET' })).status,
      303,
      'and needs a session',
    );
  },
);
