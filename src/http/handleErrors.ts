import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from '../lib/logger.js';
import { isEventStoreError, StoreUnavailableError } from '../store/eventStore.js';
import { HttpError } from './httpError.js';

export interface HandleErrorsOptions {
  readonly logger: Logger;
  /** Seconds a client should wait before retrying after a 503. @defaultValue 5 */
  readonly retryAfterSeconds?: number;
}

/**
 * The one HTTP error mapper, used by the ingress app and the query router alike.
 * First middleware of the app (or router): turns every error into a JSON `{ error }` answer, and gives every
 * other bodiless 4xx/5xx (unknown route, wrong method) a JSON body too. 4xx messages name the
 * problem; 5xx bodies never expose internals. A store that cannot take writes answers 503 with
 * Retry-After, so Svix retries a delivery that was not acknowledged.
 */
export function handleErrors(options: HandleErrorsOptions): Middleware {
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  return async function handleErrorsMiddleware(ctx, next) {
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) {
        // Setting a body makes koa turn its implicit 404 into 200; keep the status.
        const status = ctx.status;
        ctx.body = { error: statusText(status) };
        ctx.status = status;
      }
    } catch (error) {
      if (ctx.headerSent) {
        options.logger.error({ err: error, path: ctx.path }, 'error after the response started');
        return;
      }
      const answer = toAnswer(error, retryAfter);
      if (answer.status === 503) {
        options.logger.warn(
          { err: error, method: ctx.method, path: ctx.path },
          'store unavailable',
        );
      } else if (answer.status >= 500) {
        options.logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.body = answer.body;
    }
  };
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

function toAnswer(error: unknown, retryAfter: string): Answer {
  if (error instanceof StoreUnavailableError) {
    return {
      status: 503,
      body: { error: 'event store unavailable, retry later' },
      headers: { 'Retry-After': retryAfter },
    };
  }
  if (error instanceof HttpError) {
    const body = error.expose
      ? { error: error.message, ...error.options.details }
      : { error: statusText(error.status) };
    return { status: error.status, body, headers: error.options.headers ?? {} };
  }
  const status = isEventStoreError(error) ? undefined : statusOf(error);
  if (status === undefined) return { status: 500, body: { error: statusText(500) }, headers: {} };
  const exposed = status < 500 && (error as { expose?: unknown }).expose === true;
  return {
    status,
    body: { error: exposed ? (error as Error).message : statusText(status) },
    headers: {},
  };
}

/** A status carried by the error (HttpError, koa's ctx.throw, http-errors from the router). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : undefined;
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'error';
}
