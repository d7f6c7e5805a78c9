import type { Middleware } from 'koa';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from '../store/eventStore.js';
import { isEventStoreError } from '../store/eventStore.js';

/**
 * One readiness condition. The check resolves (with nothing) when ready; it signals "not ready"
 * by resolving with a short human-readable reason or by throwing.
 */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void | string>;
}

/** The store can take writes now. */
export function storeWritableCheck(store: EventStore): ReadinessCheck {
  return { name: 'store', check: () => store.checkWritable() };
}

/** `GET /healthz`: the process is up and serving HTTP. */
export function healthz(): Middleware {
  return function healthzHandler(ctx) {
    ctx.body = { status: 'ok' };
  };
}

/**
 * `GET /readyz`: runs every check concurrently, each bounded by `timeoutMs`; 200 when all pass,
 * otherwise 503 with one line per check. A thrown error shows only its class (store errors carry
 * paths and vendor text, which a public probe need not see); the full error is logged.
 */
export function readyz(options: {
  readonly checks: readonly ReadinessCheck[];
  readonly logger: Logger;
  /** @defaultValue 2000 */
  readonly timeoutMs?: number;
}): Middleware {
  const timeoutMs = options.timeoutMs ?? 2000;
  return async function readyzHandler(ctx) {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          const problem = await withTimeout(check(), timeoutMs);
          return [name, problem === undefined ? 'ok' : problem] as const;
        } catch (error) {
          options.logger.warn({ err: error, check: name }, 'readiness check failed');
          return [name, describeFailure(error)] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      ...(ready ? { status: 'ready' } : { error: 'not ready' }),
      checks: Object.fromEntries(results),
    };
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof TimeoutError) return error.message;
  if (isEventStoreError(error)) return `failed (${error.type})`;
  return 'failed';
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
