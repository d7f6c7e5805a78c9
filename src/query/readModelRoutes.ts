/**
 * Handlers answered from the read model (current state), plus the point-in-time variant of
 * `GET /customers/:customerId`, which folds the customer stream instead.
 */
import type { RouterContext } from '@koa/router';
import type { EventStore } from '../store/eventStore.js';
import { notFound } from './httpErrors.js';
import {
  limitParam,
  onlyParams,
  optionalEnum,
  optionalText,
  optionalTime,
  pathParam,
} from './params.js';
import { customerAt } from './pointInTime.js';
import type { QueryReadModel } from './readModel.js';
import { ALERT_STATUSES, CUSTOMER_STATUSES, RISK_SCORES } from './vocabulary.js';

export interface ReadModelRouteDeps {
  readonly store: EventStore;
  readonly readModel: QueryReadModel;
}

type Handler = (ctx: RouterContext) => void | Promise<void>;

const PAGE = { fallback: 50, max: 500 };

export function customerHandler({ store, readModel }: ReadModelRouteDeps): Handler {
  return async (ctx) => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, ['asOf', 'knownAt']);
    const asOf = optionalTime(ctx.query, 'asOf');
    const knownAt = optionalTime(ctx.query, 'knownAt');
    if (asOf === undefined && knownAt === undefined) {
      const customer = readModel.getCustomer(customerId);
      if (customer === undefined || customer === null) throw unknownCustomer(customerId);
      ctx.body = customer;
      return;
    }
    const state = await customerAt(store, customerId, {
      ...(asOf && { asOf }),
      ...(knownAt && { knownAt }),
    });
    if (!state) throw unknownCustomer(customerId);
    ctx.body = state;
  };
}

export function kycHistoryHandler({ readModel }: ReadModelRouteDeps): Handler {
  return (ctx) => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, []);
    const entries = readModel.getKycHistory(customerId);
    if (entries === undefined) throw unknownCustomer(customerId);
    ctx.body = { customerId, entries };
  };
}

export function listCustomersHandler({ readModel }: ReadModelRouteDeps): Handler {
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

export function listAlertsHandler({ readModel }: ReadModelRouteDeps): Handler {
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
