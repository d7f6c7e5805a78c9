/**
 * The service's one HTTP port: the ingress app with the query API and the viewer mounted, behind
 * a draining server with timeouts sized for Svix. Kept apart from service.ts so the wiring of
 * the routers and the server's limits read in one place.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createHttpApp } from '../ingress/app.js';
import type { Logger } from '../lib/logger.js';
import { createDrainingServer, type DrainingServer } from '../lib/drainingServer.js';
import type { ProjectionRunner } from '../projector/runner.js';
import { createQueryRouter } from '../query/router.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { EventStore } from '../store/eventStore.js';
import { createUiRouter } from '../ui/uiRouter.js';
import type { SchemaSet } from '../validation/schemas.js';
import { projectionReadinessCheck } from './projectionReadiness.js';

export interface ServiceHttpDeps {
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly projections: ProjectionRunner;
  readonly registry: Registry;
  readonly schemas: SchemaSet;
  readonly logger: Logger;
  /** RETENTION_DAYS, for the retention answers of the query API and the viewer. */
  readonly retentionDays: number;
}

export interface ListeningHttp {
  readonly http: DrainingServer;
  /** The port actually bound (PORT=0 picks a free one). */
  readonly port: number;
}

/** Builds the app and listens on `config.port`; rejects with the listen error. */
export async function listenServiceHttp(
  config: Config,
  deps: ServiceHttpDeps,
): Promise<ListeningHttp> {
  const { store, readModelDb, registry, schemas, logger } = deps;
  const app = createHttpApp({
    store,
    logger,
    registry,
    schemas,
    webhook: { secrets: config.webhookSecrets, maxBodyBytes: config.webhookMaxBodyBytes },
    readinessChecks: [projectionReadinessCheck(deps.projections)],
    routers: [
      createQueryRouter({
        store,
        readModelDb,
        // Retired secrets re-verify stored deliveries only; ingress never accepts with them.
        secrets: [...config.webhookSecrets, ...config.retiredWebhookSecrets],
        tokens: config.queryApiTokens,
        retentionDays: deps.retentionDays,
        logger,
      }),
      createUiRouter({
        store,
        readModelDb,
        // Retired secrets re-verify stored deliveries only; ingress never accepts with them.
        secrets: [...config.webhookSecrets, ...config.retiredWebhookSecrets],
        tokens: config.queryApiTokens,
        verifyReportPath: config.verifyReportPath,
        retentionDays: deps.retentionDays,
        logger,
      }),
    ],
  });

  // Koa's callback returns a promise that never rejects (errors are handled inside).
  const handle = app.callback();
  const http = createDrainingServer((req, res) => void handle(req, res));
  // Svix waits at most 15 s for an answer; a client slower than this is not Svix.
  http.server.requestTimeout = 30_000;
  http.server.headersTimeout = 20_000;
  http.server.keepAliveTimeout = 5_000;
  const port = await http.listen(config.port, config.host);
  return { http, port };
}
