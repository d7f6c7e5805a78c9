/**
 * `GET /events?after=<position>&type=`: the global audit feed (src/audit/globalFeed.ts). As JSON
 * it answers one page; with `Accept: application/x-ndjson` it streams everything up to the head.
 */
import type { RouterContext } from '@koa/router';
import { feedExport, NDJSON, readFeedPage } from '../audit/globalFeed.js';
import type { QueryLimits } from '../audit/queryLimits.js';
import { badParameter, HttpError } from '../http/httpError.js';
import { STORED_EVENT_TYPES } from '../readmodel/vocabulary.js';
import {
  isEventStoreError,
  StoreUnavailableError,
  type EventStore,
  type Position,
} from '../store/eventStore.js';
import { limitParam, onlyParams, optionalEnumList, optionalText } from './params.js';

export function globalFeedHandler(deps: {
  readonly store: EventStore;
  readonly limits?: QueryLimits;
}) {
  return async (ctx: RouterContext): Promise<void> => {
    onlyParams(ctx.query, ['after', 'type', 'limit']);
    const accepted = ctx.accepts('application/json', NDJSON);
    if (accepted === false) {
      throw new HttpError(406, `GET /events answers application/json or ${NDJSON}`);
    }
    const after = optionalText(ctx.query, 'after');
    const types = optionalEnumList(ctx.query, 'type', STORED_EVENT_TYPES);
    await checkPosition(deps.store, after);
    if (accepted === NDJSON) {
      const limit =
        ctx.query.limit === undefined
          ? undefined
          : limitParam(ctx.query, { fallback: 1, max: 1e9 });
      ctx.type = NDJSON;
      ctx.body = feedExport(deps.store, { after, types, ...(limit !== undefined && { limit }) });
      return;
    }
    const limit = limitParam(ctx.query, { fallback: 100, max: 1000 });
    ctx.body = await readFeedPage(deps.store, {
      after,
      types,
      limit,
      ...(deps.limits && { limits: deps.limits }),
    });
  };
}

/** Positions are opaque, so only the store can tell whether `after` is one of its own. */
async function checkPosition(store: EventStore, after: Position | undefined): Promise<void> {
  if (after === undefined) return;
  try {
    await store.readAll({ after, maxCount: 1 });
  } catch (error) {
    if (isEventStoreError(error) && !(error instanceof StoreUnavailableError)) {
      throw badParameter(
        'after',
        'is not a position of this event store (use nextAfter or a stored position)',
      );
    }
    throw error;
  }
}
