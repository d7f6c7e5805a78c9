/**
 * Bearer-token guard of the query API (`QUERY_API_TOKENS`). The webhook route is not behind it:
 * Svix signatures authenticate deliveries, and this guard only runs for routes of the query
 * router.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';

const REALM = 'compilot-ledger';

/** True when at least one token is configured; without one the query API answers 503. */
export function isQueryApiEnabled(tokens: readonly string[]): boolean {
  return tokens.length > 0;
}

/** Accepts `Authorization: Bearer <token>` when the token equals one of `tokens`. */
export function createBearerAuth(tokens: readonly string[]): Middleware {
  const accepts = createTokenCheck(tokens);
  return async (ctx, next) => {
    if (tokens.length === 0) {
      ctx.status = 503;
      ctx.body = { error: 'the query API is disabled: no QUERY_API_TOKENS are configured' };
      return;
    }
    const header = ctx.get('authorization');
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    if (!match?.[1]) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}"`);
      ctx.body = {
        error: header
          ? 'the Authorization header is not a bearer token (expected "Bearer <token>")'
          : 'missing bearer token: send "Authorization: Bearer <token>"',
      };
      return;
    }
    if (!accepts(match[1])) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token"`);
      ctx.body = { error: 'invalid bearer token' };
      return;
    }
    await next();
  };
}

/**
 * True when `token` equals one of `tokens`. Compared as sha256 digests (equal length by
 * construction) with `timingSafeEqual`, against every configured token, so neither the content
 * nor which token matched shows in the timing. Shared by the bearer guard and the viewer sign-in.
 */
export function createTokenCheck(tokens: readonly string[]): (token: string) => boolean {
  const digests = tokens.map(digest);
  return (token) => {
    const presented = digest(token);
    let accepted = false;
    for (const candidate of digests) {
      if (timingSafeEqual(presented, candidate)) accepted = true;
    }
    return accepted;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
