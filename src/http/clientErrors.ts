/**
 * Errors of the query API and the middleware that turns them into JSON `{ error }` answers.
 * The router installs it itself, so its answers never carry a stack trace whatever app mounts it.
 */
import type { Middleware } from 'koa';
import { StoreUnavailableError } from '../store/eventStore.js';
import type { Logger } from '../lib/logger.js';

/** A client-facing error: `message` is shown as-is, so it must name the problem, not internals. */
export class QueryError extends Error {
  constructor(
    readonly status: 400 | 404 | 406,
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export function badParameter(name: string, problem: string): QueryError {
  return new QueryError(400, `parameter ${name} ${problem}`);
}

export function notFound(message: string): QueryError {
  return new QueryError(404, message);
}

export function queryErrorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof QueryError) {
        ctx.status = error.status;
        ctx.body = { error: error.message };
        return;
      }
      const status = (error as { status?: unknown }).status;
      const expose = (error as { expose?: unknown }).expose;
      if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
        ctx.status = status;
        ctx.body = { error: (error as Error).message };
        return;
      }
      if (error instanceof StoreUnavailableError) {
        logger.warn({ err: error, path: ctx.path }, 'query failed: event store unavailable');
        ctx.status = 503;
        ctx.body = { error: 'the event store is unavailable; retry later' };
        return;
      }
      logger.error({ err: error, path: ctx.path }, 'query failed');
      ctx.status = 500;
      ctx.body = { error: 'internal error' };
    }
  };
}
