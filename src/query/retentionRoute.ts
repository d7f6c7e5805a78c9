/**
 * `GET /customers/:customerId/retention`: where the customer stands in its retention period now
 * (stage, end of relationship, erasable from, hold, erasure), folded from its stream as `erase`
 * decides. Times and stages only: the answer holds no personal data, also before an erasure.
 */
import type { RouterContext } from '@koa/router';
import { readCustomerRetention } from '../audit/customerRetention.js';
import { notFound } from '../http/httpError.js';
import type { EventStore } from '../store/eventStore.js';
import { onlyParams, pathParam } from './params.js';

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
