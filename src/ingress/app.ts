import Koa from 'koa';
import { Router } from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from '../store/eventStore.js';
import { loadSchemaSet, type SchemaSet } from '../validation/schemas.js';
import { handleErrors } from '../http/handleErrors.js';
import { healthz, readyz, storeWritableCheck, type ReadinessCheck } from './health.js';
import { createIngressMetrics, metricsEndpoint } from './ingressMetrics.js';
import { DEFAULT_MAX_BODY_BYTES, rawBody } from './rawBody.js';
import { createWebhookVerifier } from './verifyWebhook.js';
import { webhookHandler } from './webhooks.js';

/** Where ComPilot (through Svix) posts webhooks. */
export const WEBHOOK_PATH = '/webhooks/compilot';

export interface HttpAppDeps {
  readonly store: EventStore;
  readonly logger: Logger;
  /** Serves `GET /metrics`; the ingress metrics are registered on it. */
  readonly registry: Registry;
  readonly webhook: {
    /** Every configured `whsec_` secret; a delivery is valid if any of them verifies it. */
    readonly secrets: readonly string[];
    /** @defaultValue 1 MiB */
    readonly maxBodyBytes?: number;
  };
  /** The compiled schema set; loaded from the package's `schemas/` when omitted. */
  readonly schemas?: SchemaSet;
  /** Run by `GET /readyz` after the built-in store-writable check. */
  readonly readinessChecks?: readonly ReadinessCheck[];
  /** Mounted after the built-in routes (e.g. the query API), with their allowedMethods. */
  readonly routers?: readonly Router[];
  /** @defaultValue () => new Date() */
  readonly clock?: () => Date;
  /** Retry-After of a 503 when the store cannot take writes. @defaultValue 5 */
  readonly retryAfterSeconds?: number;
}

/**
 * The HTTP app, with no side effects until it is listened on. Middleware order is fixed: error
 * mapping first, then the built-in routes (`/healthz`, `/readyz`, `/metrics`, the webhook),
 * then the injected routers. Throws at once when no secret is configured or a schema is broken.
 * For the commit batch-size metric, call `createIngressMetrics(registry).observeCommit` from the
 * store's commit hook (it reuses the metrics registered here).
 */
export function createHttpApp(deps: HttpAppDeps): Koa {
  const verify = createWebhookVerifier(deps.webhook.secrets);
  const schemas = deps.schemas ?? loadSchemaSet();
  const metrics = createIngressMetrics(deps.registry);
  const app = new Koa();
  // Errors are answered and logged by handleErrors; this only sees failures while streaming a
  // response, which koa would otherwise print to stderr. A client that hung up mid-request
  // (already logged as a refused delivery) is not the service failing.
  app.on('error', (error: unknown) => {
    if (clientWentAway(error)) deps.logger.debug({ err: error }, 'client went away');
    else deps.logger.error({ err: error }, 'http error');
  });

  app.use(handleErrors({ logger: deps.logger, retryAfterSeconds: deps.retryAfterSeconds }));

  const router = new Router();
  router.get('/healthz', healthz());
  router.get(
    '/readyz',
    readyz({
      checks: [storeWritableCheck(deps.store), ...(deps.readinessChecks ?? [])],
      logger: deps.logger,
    }),
  );
  router.get('/metrics', metricsEndpoint(deps.registry));
  router.post(
    WEBHOOK_PATH,
    rawBody({
      limit: deps.webhook.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onRefused(error) {
        metrics.delivery('rejected', error.reason);
        deps.logger.warn(
          { outcome: 'rejected', reason: error.reason, status: error.status },
          'webhook',
        );
      },
    }),
    webhookHandler({
      store: deps.store,
      verify,
      schemas,
      metrics,
      logger: deps.logger,
      clock: deps.clock ?? (() => new Date()),
    }),
  );
  app.use(router.routes());
  app.use(router.allowedMethods());
  for (const extra of deps.routers ?? []) {
    app.use(extra.routes());
    app.use(extra.allowedMethods());
  }
  return app;
}

/** Node's errors for a connection the client closed or broke (HPE_*: its HTTP was cut off). */
function clientWentAway(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ECONNABORTED' ||
      code.startsWith('HPE_'))
  );
}
