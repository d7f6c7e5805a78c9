/** `GET /reconciliations`: the reconciliation run history, newest first (src/reconcile/). */
import type { RouterContext } from '@koa/router';
import { listRuns } from '../reconcile/runHistory.js';
import type { EventStore } from '../store/eventStore.js';
import { badParameter } from '../http/httpError.js';
import { limitParam, onlyParams, optionalText } from './params.js';

export function reconciliationsHandler(deps: { readonly store: EventStore }) {
  return async (ctx: RouterContext): Promise<void> => {
    onlyParams(ctx.query, ['limit', 'cursor']);
    const limit = limitParam(ctx.query, { fallback: 20, max: 100 });
    const cursor = optionalText(ctx.query, 'cursor');
    if (cursor !== undefined && !/^[1-9]\d{0,18}$/.test(cursor)) {
      throw badParameter(
        'cursor',
        'is not one issued by this API (pass nextCursor back unchanged)',
      );
    }
    ctx.body = await listRuns(deps.store, {
      limit,
      ...(cursor === undefined ? {} : { before: BigInt(cursor) }),
    });
  };
}
