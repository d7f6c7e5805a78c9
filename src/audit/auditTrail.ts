/**
 * The audit trail of a customer (served as `GET /customers/:customerId/events` by
 * src/query/auditTrailRoute.ts, and shown by the viewer): every stored event of the customer
 * stream, oldest first, filtered by type and received-time range, cursor-paged, optionally with
 * signature proofs.
 *
 * The cursor is the revision of the last event the page accounted for. Appends only ever add
 * higher revisions, so paging stays exact (no repeat, no gap) while deliveries keep arriving.
 * A page ends at `limit` events or at the byte cap, whichever comes first (see queryLimits.ts).
 */
import { customerStream } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { encodeCursor } from '../readmodel/cursor.js';
import { receivedAt, toAuditEventView, type AuditEventView } from './auditEventView.js';
import { JsonPageBudget } from '../lib/jsonPageBudget.js';
import { readStreamPages } from '../store/logPages.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './queryLimits.js';
import { isWebhookDelivery, type SignatureProver } from './signatureProof.js';

export interface AuditTrailQuery {
  readonly customerId: string;
  readonly types?: ReadonlySet<string>;
  /** Inclusive lower bound on the received time. */
  readonly from?: Date;
  /** Exclusive upper bound on the received time. */
  readonly to?: Date;
  /** Start after this revision; omitted = from the first event. */
  readonly afterRevision?: bigint;
  readonly limit: number;
  /** When given, each delivery carries its signature proof. */
  readonly prove?: SignatureProver;
  /** @defaultValue DEFAULT_QUERY_LIMITS */
  readonly limits?: QueryLimits;
}

export interface AuditTrailPage {
  readonly customerId: string;
  readonly streamName: string;
  readonly events: readonly AuditEventView[];
  /** Pass as `cursor` for the next page; null once the end of the stream was reached. */
  readonly nextCursor: string | null;
}

/** Events examined per request at most, so a selective filter cannot make one request unbounded. */
const SCAN_BUDGET_FACTOR = 20;

/** Undefined when the customer stream does not exist. */
export async function readAuditTrail(
  store: EventStore,
  query: AuditTrailQuery,
): Promise<AuditTrailPage | undefined> {
  const streamName = customerStream(query.customerId);
  const limits = query.limits ?? DEFAULT_QUERY_LIMITS;
  const budget = Math.max(query.limit * SCAN_BUDGET_FACTOR, 2000);
  const bytes = new JsonPageBudget(limits.pageMaxBytes);
  const fromRevision = query.afterRevision === undefined ? 0n : query.afterRevision + 1n;
  const events: AuditEventView[] = [];
  let scanned = 0;
  let lastRevision: bigint | undefined;
  let exhausted = true;
  outer: for await (const page of readStreamPages(store, streamName, {
    fromRevision,
    pageSize: Math.min(budget, Math.max(query.limit, 100)),
  })) {
    for (const event of page) {
      if (events.length >= query.limit || scanned >= budget) {
        exhausted = false;
        break outer;
      }
      if (matches(event, query)) {
        const shown = view(event, query.prove, limits);
        // Over the byte cap: this event opens the next page (the cursor stays before it).
        if (!bytes.admit(shown)) {
          exhausted = false;
          break outer;
        }
        events.push(shown);
      }
      scanned += 1;
      lastRevision = event.revision;
    }
  }
  if (lastRevision === undefined && !(await streamExists(store, streamName))) return undefined;
  const nextCursor =
    exhausted || lastRevision === undefined ? null : encodeCursor({ r: String(lastRevision) });
  return { customerId: query.customerId, streamName, events, nextCursor };
}

function matches(event: RecordedEvent, query: AuditTrailQuery): boolean {
  if (query.types && !query.types.has(event.type)) return false;
  if (query.from === undefined && query.to === undefined) return true;
  const time = receivedAt(event).getTime();
  if (query.from !== undefined && time < query.from.getTime()) return false;
  return query.to === undefined || time < query.to.getTime();
}

function view(
  event: RecordedEvent,
  prove: SignatureProver | undefined,
  limits: QueryLimits,
): AuditEventView {
  const base = toAuditEventView(event, limits.inlineBodyMaxBytes);
  if (!prove) return base;
  return { ...base, signature: isWebhookDelivery(event) ? prove(event) : null };
}

async function streamExists(store: EventStore, streamName: string): Promise<boolean> {
  return (await store.readStream(streamName, { maxCount: 1 })).length > 0;
}
