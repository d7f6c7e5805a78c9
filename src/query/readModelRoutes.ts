/**
 * Handlers answered from the read model (current state), plus the point-in-time variant of
 * `GET /customers/:customerId`, which folds the customer stream instead. Lists are bounded in
 * count and in bytes (see queryLimits.ts).
 */
import type { RouterContext } from '@koa/router';
import type { EventStore } from '../store/eventStore.js';
import { JsonPageBudget } from '../lib/jsonPageBudget.js';
import { customerAnswer, pointInTimeAnswer } from './customerAnswer.js';
import { decodeCursor, encodeCursor } from '../readmodel/cursor.js';
import { badParameter, notFound } from '../http/httpError.js';
import {
  limitParam,
  onlyParams,
  optionalEnum,
  optionalPointInTime,
  optionalText,
  pathParam,
} from './params.js';
import { customerAt } from '../audit/pointInTime.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../audit/queryLimits.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import { ALERT_STATUSES, CUSTOMER_STATUSES, RISK_SCORES } from '../readmodel/vocabulary.js';

export interface ReadModelRouteDeps {
  readonly store: EventStore;
  readonly readModel: QueryReadModel;
  /** @defaultValue DEFAULT_QUERY_LIMITS */
  readonly limits?: QueryLimits;
}

type Handler = (ctx: RouterContext) => void | Promise<void>;

const PAGE = { fallback: 50, max: 500 };
/** A whole history in one answer for all but the longest ones (the byte cap still applies). */
const KYC_PAGE = { fallback: 1000, max: 1000 };

/**
 * One shape with or without a point in time: the customer's fields at the top level (as the
 * current-state answer always had them), plus `asOf`, `knownAt`, `eventsApplied` and
 * `eventsInStream` (null for the current state), see customerAnswer.ts.
 */
export function customerHandler({ store, readModel }: ReadModelRouteDeps): Handler {
  return async (ctx) => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, ['asOf', 'knownAt']);
    const asOf = optionalPointInTime(ctx.query, 'asOf');
    const knownAt = optionalPointInTime(ctx.query, 'knownAt');
    if (asOf === undefined && knownAt === undefined) {
      const customer = readModel.getCustomer(customerId);
      if (customer === undefined || customer === null) throw unknownCustomer(customerId);
      ctx.body = customerAnswer(customer);
      return;
    }
    const at = { ...(asOf && { asOf }), ...(knownAt && { knownAt }) };
    const fold = await customerAt(store, customerId, at);
    if (!fold) throw unknownCustomer(customerId);
    if (!fold.state) {
      const point = [
        asOf && `asOf ${asOf.toISOString()}`,
        knownAt && `knownAt ${knownAt.toISOString()}`,
      ].filter(Boolean);
      throw notFound(
        `customer ${customerId} had no recorded state at ${point.join(', ')} ` +
          `(${fold.eventsInStream} ${fold.eventsInStream === 1 ? 'event is' : 'events are'} stored for it)`,
      );
    }
    ctx.body = pointInTimeAnswer(at, fold, fold.state);
  };
}

export function kycHistoryHandler({ readModel, limits }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, ['limit', 'cursor']);
    const limit = limitParam(ctx.query, KYC_PAGE);
    const cursor = optionalText(ctx.query, 'cursor');
    const all = readModel.getKycHistory(customerId);
    if (all === undefined) throw unknownCustomer(customerId);
    let start = 0;
    if (cursor !== undefined) {
      const { e } = decodeCursor(cursor, ['e']);
      const index = all.findIndex((entry) => entry.entryId === e);
      if (index < 0) throw badParameter('cursor', 'names an entry this customer does not have');
      start = index + 1;
    }
    const budget = new JsonPageBudget((limits ?? DEFAULT_QUERY_LIMITS).pageMaxBytes);
    const entries: unknown[] = [];
    for (const entry of all.slice(start, start + limit)) {
      if (!budget.admit(entry)) break;
      entries.push(entry);
    }
    const last = all[start + entries.length - 1];
    const more = start + entries.length < all.length;
    ctx.body = {
      customerId,
      entries,
      nextCursor: more && last ? encodeCursor({ e: last.entryId }) : null,
    };
  };
}

export function listCustomersHandler({ readModel, limits }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    onlyParams(ctx.query, ['status', 'riskScore', 'limit', 'cursor']);
    const status = optionalEnum(ctx.query, 'status', CUSTOMER_STATUSES);
    const riskScore = optionalEnum(ctx.query, 'riskScore', RISK_SCORES);
    const cursor = optionalText(ctx.query, 'cursor');
    const page = readModel.listCustomers({
      ...(status && { status }),
      ...(riskScore && { riskScore }),
      limit: limitParam(ctx.query, PAGE),
      ...(cursor && { cursor }),
      maxBytes: (limits ?? DEFAULT_QUERY_LIMITS).pageMaxBytes,
    });
    ctx.body = { customers: page.items, nextCursor: page.nextCursor };
  };
}

export function alertHandler({ readModel }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    const alertId = pathParam(ctx.params, 'alertId');
    onlyParams(ctx.query, []);
    const alert = readModel.getAlert(alertId);
    if (alert === undefined || alert === null) throw notFound(`no alert ${alertId} is known`);
    ctx.body = alert;
  };
}

export function listAlertsHandler({ readModel, limits }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    onlyParams(ctx.query, ['customerId', 'status', 'limit', 'cursor']);
    const customerId = optionalText(ctx.query, 'customerId');
    const status = optionalEnum(ctx.query, 'status', ALERT_STATUSES);
    const cursor = optionalText(ctx.query, 'cursor');
    const page = readModel.listAlerts({
      ...(customerId && { customerId }),
      ...(status && { status }),
      limit: limitParam(ctx.query, PAGE),
      ...(cursor && { cursor }),
      maxBytes: (limits ?? DEFAULT_QUERY_LIMITS).pageMaxBytes,
    });
    ctx.body = { alerts: page.items, nextCursor: page.nextCursor };
  };
}

export function walletOwnerHandler({ readModel }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    const address = pathParam(ctx.params, 'address');
    onlyParams(ctx.query, []);
    const customers = readModel.findWalletOwners(address);
    if (customers.length === 0) throw notFound(`no customer is known for wallet ${address}`);
    ctx.body = { address, customers };
  };
}

function unknownCustomer(customerId: string) {
  return notFound(`no customer ${customerId} is known`);
}
