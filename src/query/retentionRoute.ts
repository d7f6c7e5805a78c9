/**
 * The retention answers of the query API, times and stages only (no personal data):
 * - `GET /customers/:customerId/retention`: where the customer stands in its retention period
 *   now (stage, end of relationship, erasable from, hold, erasure), folded from its stream as
 *   `erase` decides;
 * - `GET /retention/due`: who is due for erasure and who a hold keeps past the period, from the
 *   `retention` read model, as `compilot-ledger retention due` lists them.
 */
import type { RouterContext } from '@koa/router';
import { readCustomerRetention } from '../audit/customerRetention.js';
import { HttpError, notFound } from '../http/httpError.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import type { EventStore } from '../store/eventStore.js';
import { limitParam, onlyParams, pathParam } from './params.js';

export interface RetentionRouteDeps {
  readonly store: EventStore;
  /** RETENTION_DAYS, as `erase` and the schedule apply it. */
  readonly retentionDays: number;
  readonly clock: () => Date;
}

export function retentionHandler(deps: RetentionRouteDeps) {
  return async (ctx: RouterContext): Promise<void> => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, []);
    const answer = await readCustomerRetention(deps.store, customerId, {
      now: deps.clock(),
      retentionDays: deps.retentionDays,
    });
    if (answer === undefined) throw notFound(`no events are stored for customer ${customerId}`);
    ctx.body = answer;
  };
}

/** Rows per list at most: the answer stays far below the 8 MiB page cap. */
const DUE_PAGE = { fallback: 1000, max: 10_000 };

export function dueHandler(
  deps: Omit<RetentionRouteDeps, 'store'> & { readModel: QueryReadModel },
) {
  return (ctx: RouterContext): void => {
    onlyParams(ctx.query, ['limit']);
    const limit = limitParam(ctx.query, DUE_PAGE);
    const now = deps.clock();
    const listed = deps.readModel.listDueCustomers(now, deps.retentionDays, limit);
    if (listed === undefined) {
      // Built at start-up or rebuilt for a new version in the background: soon there.
      throw new HttpError(503, 'the retention projection is being built', {
        headers: { 'Retry-After': '30' },
      });
    }
    ctx.body = {
      at: now.toISOString(),
      retentionDays: deps.retentionDays,
      due: listed.due,
      dueCount: listed.dueCount,
      held: listed.held,
      heldCount: listed.heldCount,
    };
  };
}
