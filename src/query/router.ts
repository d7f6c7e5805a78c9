/**
 * The query API: audit trail queries over the event store and the read model, behind bearer
 * tokens. Mount it next to the ingress routes (`createHttpApp({ routers: [queryRouter] })`); its
 * guard and error mapping only run for its own routes, so the webhook route is unaffected.
 */
import { Router } from '@koa/router';
import type Database from 'better-sqlite3';
import type { Logger } from '../lib/logger.js';
import type { EventStore } from '../store/eventStore.js';
import { auditTrailHandler } from './auditTrailRoute.js';
import { createBearerAuth, isQueryApiEnabled } from './auth.js';
import { globalFeedHandler } from './globalFeedRoute.js';
import { handleErrors } from '../http/handleErrors.js';
import { openApiDocument } from './openapi.js';
import { queryLimits, type QueryLimits } from '../audit/queryLimits.js';
import { rawEventHandler } from './rawEvent.js';
import { openQueryReadModel } from '../readmodel/readModelAdapter.js';
import { reconciliationsHandler } from './reconciliations.js';
import { dueHandler, retentionHandler } from './retentionRoute.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import {
  alertHandler,
  customerHandler,
  kycHistoryHandler,
  listAlertsHandler,
  listCustomersHandler,
  walletOwnerHandler,
} from './readModelRoutes.js';
import { createSignatureProver } from '../audit/signatureProof.js';

export interface QueryRouterDeps {
  readonly store: EventStore;
  /** The read-model database the projections write (READ_MODEL_URL); only read here. */
  readonly readModelDb: Database.Database;
  /** Every configured `whsec_` secret, for `?verify=true`. */
  readonly secrets: readonly string[];
  /** QUERY_API_TOKENS; none = the query API answers 503 and says why. */
  readonly tokens: readonly string[];
  readonly logger: Logger;
  /** Stamps `verifiedAt` of signature proofs. @defaultValue () => new Date() */
  readonly clock?: () => Date;
  /** RETENTION_DAYS, for `/customers/{id}/retention` (as `erase` applies it). */
  readonly retentionDays: number;
  /** Replaces the read model adapter (tests, other read-model stores). */
  readonly readModel?: QueryReadModel;
  /** Overrides the documented answer limits (tests only). */
  readonly limits?: Partial<QueryLimits>;
}

export function createQueryRouter(deps: QueryRouterDeps): Router {
  if (!isQueryApiEnabled(deps.tokens)) {
    deps.logger.warn('query API disabled: set QUERY_API_TOKENS to enable it');
  }
  const auth = createBearerAuth(deps.tokens);
  const readModel = deps.readModel ?? openQueryReadModel(deps.readModelDb);
  const routeDeps = { store: deps.store, readModel, limits: queryLimits(deps.limits) };
  const clock = deps.clock ?? (() => new Date());
  const prove = createSignatureProver(deps.secrets);

  const router = new Router();
  router.use(handleErrors({ logger: deps.logger }));
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  router.get('/customers', auth, listCustomersHandler(routeDeps));
  router.get('/customers/:customerId', auth, customerHandler(routeDeps));
  router.get('/customers/:customerId/kyc-history', auth, kycHistoryHandler(routeDeps));
  router.get(
    '/customers/:customerId/events',
    auth,
    auditTrailHandler({ ...routeDeps, prove, clock }),
  );
  router.get(
    '/customers/:customerId/retention',
    auth,
    retentionHandler({ store: deps.store, retentionDays: deps.retentionDays, clock }),
  );
  router.get(
    '/retention/due',
    auth,
    dueHandler({ readModel, retentionDays: deps.retentionDays, clock }),
  );
  router.get('/alerts', auth, listAlertsHandler(routeDeps));
  router.get('/alerts/:alertId', auth, alertHandler(routeDeps));
  router.get('/wallets/:address/customer', auth, walletOwnerHandler(routeDeps));
  router.get('/events', auth, globalFeedHandler(routeDeps));
  router.get('/reconciliations', auth, reconciliationsHandler(routeDeps));
  router.get('/streams/:streamName/events/:revision/raw', auth, rawEventHandler(routeDeps));
  return router;
}
