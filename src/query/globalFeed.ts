/**
 * `GET /events?after=<position>&type=`: the global audit feed in commit order. As JSON it answers
 * one page; with `Accept: application/x-ndjson` it streams everything up to the head as it was
 * when the request arrived, pulling one page of the log at a time as the client reads, so an
 * export of any size runs in constant memory.
 */
import { Readable } from 'node:stream';
import type { RouterContext } from '@koa/router';
import {
  isEventStoreError,
  StoreUnavailableError,
  type EventStore,
  type Position,
} from '../store/eventStore.js';
import { toAuditEventView, type AuditEventView } from '../audit/auditEventView.js';
import { badParameter, HttpError } from '../http/httpError.js';
import { JsonPageBudget } from '../lib/jsonPageBudget.js';
import { readLogPages } from '../store/logPages.js';
import { limitParam, onlyParams, optionalEnumList, optionalText } from './params.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../audit/queryLimits.js';
import { STORED_EVENT_TYPES } from '../readmodel/vocabulary.js';

export const NDJSON = 'application/x-ndjson';

export interface FeedPage {
  readonly events: readonly AuditEventView[];
  /** Pass as `after` for the next page (the last position examined); null for an empty log. */
  readonly nextAfter: string | null;
  /** True when the page reached the head of the log. */
  readonly caughtUp: boolean;
}

const PAGE_SIZE = 500;

export async function readFeedPage(
  store: EventStore,
  options: {
    after?: Position;
    types?: ReadonlySet<string>;
    limit: number;
    limits?: QueryLimits;
  },
): Promise<FeedPage> {
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const budget = Math.max(options.limit * 20, 5000);
  const bytes = new JsonPageBudget(limits.pageMaxBytes);
  const events: AuditEventView[] = [];
  let scanned = 0;
  let last = options.after;
  let cut = false;
  outer: for await (const page of readLogPages(store, {
    after: options.after,
    pageSize: PAGE_SIZE,
  })) {
    for (const event of page) {
      if (events.length >= options.limit || scanned >= budget) {
        cut = true;
        break outer;
      }
      if (!options.types || options.types.has(event.type)) {
        const shown = toAuditEventView(event, limits.inlineBodyMaxBytes);
        // Over the byte cap: this event opens the next page (nextAfter stays before it).
        if (!bytes.admit(shown)) {
          cut = true;
          break outer;
        }
        events.push(shown);
      }
      scanned += 1;
      last = event.position;
    }
  }
  return { events, nextAfter: last ?? null, caughtUp: !cut };
}

/** NDJSON lines of the log after `after` up to the head at call time, read page by page. */
export function feedExport(
  store: EventStore,
  options: { after?: Position; types?: ReadonlySet<string>; limit?: number },
): Readable {
  async function* lines(): AsyncGenerator<string> {
    const until = await store.headPosition();
    if (until === undefined) return;
    let left = options.limit ?? Infinity;
    for await (const page of readLogPages(store, {
      after: options.after,
      until,
      pageSize: PAGE_SIZE,
    })) {
      const chunk: string[] = [];
      for (const event of page) {
        if (left <= 0) break;
        if (options.types && !options.types.has(event.type)) continue;
        // An export is the evidence itself: every line carries its body, however large.
        chunk.push(`${JSON.stringify(toAuditEventView(event, Infinity))}\n`);
        left -= 1;
      }
      if (chunk.length > 0) yield chunk.join('');
      if (left <= 0) return;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

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
