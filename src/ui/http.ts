/**
 * HTTP plumbing of the viewer: security headers, HTML answers, small form bodies.
 */
import type { Context, Middleware } from 'koa';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Nothing inline, nothing from elsewhere: scripts and styles only from the viewer's own files,
 * no framing, forms only to this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: with it Chromium sends `Origin: null` on form posts, and the origin check
    // of our own forms needs the real origin. Nothing is ever sent to another site.
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    await next();
  };
}

/** Renders a page; preact escapes every string it is given, so data is always text. */
export function sendHtml(ctx: Context, status: number, page: VNode): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html>${renderToString(page)}`;
}

/** Over HTTPS, directly or behind a proxy that says so; only ever makes the cookie stricter. */
export function isHttps(ctx: Context): boolean {
  return ctx.secure || ctx.get('x-forwarded-proto').split(',')[0]?.trim() === 'https';
}

/** Forms post from this origin only: a present Origin must be ours (defence in depth). */
export function isSameOrigin(ctx: Context): boolean {
  const origin = ctx.get('origin');
  if (origin === '') return true;
  try {
    return new URL(origin).host === ctx.host;
  } catch {
    return false;
  }
}

const MAX_FORM_BYTES = 8 * 1024;

/** An `application/x-www-form-urlencoded` body, at most 8 KiB; undefined otherwise. */
export async function readForm(ctx: Context): Promise<URLSearchParams | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
