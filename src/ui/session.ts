/**
 * Viewer sessions: a query API token is exchanged once for a random session id, carried in an
 * HttpOnly, SameSite=Strict cookie signed with a per-process HMAC key. The token itself is never
 * stored in the browser or put in a URL. Sessions live in memory and expire; a restart signs
 * everyone out, which suits a viewer (sign-in takes one paste of the token).
 *
 * Each session has its own form token; every POST must carry it (on top of SameSite=Strict), so a
 * cross-site form can neither sign a user out nor post on their behalf.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'ledger_session';
/** Sessions end this long after sign-in, whatever the activity. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Oldest sessions are dropped beyond this, so sign-ins cannot grow memory without bound. */
const MAX_SESSIONS = 10_000;

export interface Session {
  readonly id: string;
  readonly formToken: string;
  readonly expiresAt: number;
}

export interface SessionStore {
  /** A new session; returns it with the cookie value to set. */
  create(): { session: Session; cookie: string };
  /** The live session a cookie value names, or undefined (unknown, forged or expired). */
  find(cookie: string | undefined): Session | undefined;
  end(id: string): void;
  /** Whether the posted form token is the session's (constant-time). */
  checkFormToken(session: Session, presented: string | undefined): boolean;
}

export function createSessionStore(clock: () => number = Date.now): SessionStore {
  const key = randomBytes(32);
  const sessions = new Map<string, Session>();
  const sign = (id: string): string => createHmac('sha256', key).update(id).digest('base64url');

  return {
    create() {
      const id = randomBytes(32).toString('base64url');
      const session: Session = {
        id,
        formToken: randomBytes(32).toString('base64url'),
        expiresAt: clock() + SESSION_TTL_MS,
      };
      sessions.set(id, session);
      if (sessions.size > MAX_SESSIONS) {
        const oldest = sessions.keys().next().value;
        if (oldest !== undefined) sessions.delete(oldest);
      }
      return { session, cookie: `${id}.${sign(id)}` };
    },
    find(cookie) {
      if (cookie === undefined) return undefined;
      const dot = cookie.indexOf('.');
      if (dot <= 0) return undefined;
      const id = cookie.slice(0, dot);
      if (!sameText(cookie.slice(dot + 1), sign(id))) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      if (session.expiresAt <= clock()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    end(id) {
      sessions.delete(id);
    },
    checkFormToken(session, presented) {
      return presented !== undefined && sameText(presented, session.formToken);
    },
  };
}

/** The Set-Cookie value for a session (or, with `cookie` null, one that clears it). */
export function sessionCookieHeader(cookie: string | null, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${cookie ?? ''}`,
    'Path=/ui',
    'HttpOnly',
    'SameSite=Strict',
    cookie === null ? 'Max-Age=0' : `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** The session cookie's value from a Cookie header. */
export function readSessionCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
