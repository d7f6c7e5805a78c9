/**
 * How large one answer of the query API may get. Both are fixed, documented numbers (README,
 * docs/audit-queries.md); the router takes overrides only so that tests can move them.
 */
import { PAGE_MAX_BYTES } from '../lib/jsonPageBudget.js';
import { INLINE_BODY_MAX_BYTES } from './auditEventView.js';

export interface QueryLimits {
  /** Cap on the serialised size of one JSON page (8 MiB). */
  readonly pageMaxBytes: number;
  /** Bodies larger than this (64 KiB) are not inlined in lists; `rawUrl` fetches them. */
  readonly inlineBodyMaxBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  pageMaxBytes: PAGE_MAX_BYTES,
  inlineBodyMaxBytes: INLINE_BODY_MAX_BYTES,
};

export function queryLimits(overrides: Partial<QueryLimits> = {}): QueryLimits {
  return { ...DEFAULT_QUERY_LIMITS, ...overrides };
}
