import t from 'tap';
import {
  SESSION_TTL_MS,
  createSessionStore,
  readSessionCookie,
  sessionCookieHeader,
} from '../../src/ui/session.js';

void t.test('a session is found by its signed cookie until it expires', async (t) => {
  let now = 1_000_000;
  const sessions = createSessionStore(() => now);
  const { session, cookie } = sessions.create();
  t.equal(sessions.find(cookie)?.id, session.id);
  now += SESSION_TTL_MS - 1;
  t.ok(sessions.find(cookie), 'still valid just before the end');
  now += 1;
  t.equal(sessions.find(cookie), undefined, 'gone at the end of its lifetime');
});

void t.test('a cookie with a forged signature or an unknown id finds nothing', async (t) => {
  const sessions = createSessionStore();
  const { cookie } = sessions.create();
  const [id, signature] = cookie.split('.') as [string, string];
  const flipped = signature.endsWith('A') ? 'B' : 'A';
  t.equal(sessions.find(`${id}.${signature.slice(0, -1)}${flipped}`), undefined);
  t.equal(sessions.find(`${id}x.${signature}`), undefined);
  t.equal(sessions.find(id), undefined);
  t.equal(sessions.find(undefined), undefined);
  const other = createSessionStore();
  t.equal(other.find(cookie), undefined, 'another process (key) does not accept it');
});

void t.test('ending a session and checking its form token', async (t) => {
  const sessions = createSessionStore();
  const { session, cookie } = sessions.create();
  t.ok(sessions.checkFormToken(session, session.formToken));
  t.notOk(sessions.checkFormToken(session, `${session.formToken}x`));
  t.notOk(sessions.checkFormToken(session, undefined));
  sessions.end(session.id);
  t.equal(sessions.find(cookie), undefined);
});

void t.test('the cookie header is HttpOnly, SameSite=Strict, scoped and expiring', async (t) => {
  t.equal(
    sessionCookieHeader('abc.def', false),
    'ledger_session=abc.def; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=28800',
  );
  t.match(sessionCookieHeader('abc.def', true), /; Secure$/);
  t.match(sessionCookieHeader(null, false), /ledger_session=; .*Max-Age=0/);
  t.equal(readSessionCookie('a=1; ledger_session=abc.def; b=2'), 'abc.def');
  t.equal(readSessionCookie('a=1'), undefined);
  t.equal(readSessionCookie(undefined), undefined);
});
