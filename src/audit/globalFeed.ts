/**
 * The global audit feed in commit order (served as `GET /events` by src/query/globalFeedRoute.ts):
 * one page of it, or everything up to the head as it was when asked, pulled one page of the log
 * at a time as the reader reads, so an export of any size runs in constant memory.
 */
import { Readable } from 'node:stream';
import type { EventStore, Position } from '../store/eventStore.js';
import { toAuditEventView, type AuditEventView } from './auditEventView.js';
import { JsonPageBudget } from '../lib/jsonPageBudget.js';
import { readLogPages } from '../store/logPages.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './queryLimits.js';

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
