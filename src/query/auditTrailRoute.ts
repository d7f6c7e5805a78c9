/**
 * `GET /customers/:customerId/events`: parses the query, reads the audit trail
 * (src/audit/auditTrail.ts) and answers it.
 */
import type { RouterContext } from '@koa/router';
import { readAuditTrail } from '../audit/auditTrail.js';
import type { QueryLimits } from '../audit/queryLimits.js';
import type { SignatureProver } from '../audit/signatureProof.js';
import { badParameter, notFound } from '../http/httpError.js';
import { decodeCursor } from '../readmodel/cursor.js';
import { CUSTOMER_STREAM_EVENT_TYPES } from '../readmodel/vocabulary.js';
import type { EventStore } from '../store/eventStore.js';
import {
  limitParam,
  onlyParams,
  optionalBoolean,
  optionalEnumList,
  optionalText,
  optionalTime,
  pathParam,
} from './params.js';

/** The HTTP handler; `prove` re-verifies with the configured secrets when `?verify=true`. */
export function auditTrailHandler(deps: {
  readonly store: EventStore;
  readonly prove: SignatureProver;
  readonly clock: () => Date;
  readonly limits?: QueryLimits;
}) {
  return async (ctx: RouterContext): Promise<void> => {
    const customerId = pathParam(ctx.params, 'customerId');
    onlyParams(ctx.query, ['type', 'from', 'to', 'cursor', 'limit', 'verify']);
    const from = optionalTime(ctx.query, 'from');
    const to = optionalTime(ctx.query, 'to');
    if (from && to && from.getTime() >= to.getTime())
      throw badParameter('to', 'must be after from');
    const cursor = optionalText(ctx.query, 'cursor');
    const afterRevision = cursor === undefined ? undefined : revisionOf(cursor);
    const verify = optionalBoolean(ctx.query, 'verify');
    const page = await readAuditTrail(deps.store, {
      customerId,
      types: optionalEnumList(ctx.query, 'type', CUSTOMER_STREAM_EVENT_TYPES),
      ...(from && { from }),
      ...(to && { to }),
      ...(afterRevision !== undefined && { afterRevision }),
      limit: limitParam(ctx.query, { fallback: 100, max: 1000 }),
      ...(verify && { prove: deps.prove }),
      ...(deps.limits && { limits: deps.limits }),
    });
    if (!page) throw notFound(`no events are stored for customer ${customerId}`);
    ctx.body = verify ? { ...page, verifiedAt: deps.clock().toISOString() } : page;
  };
}

function revisionOf(cursor: string): bigint {
  const { r } = decodeCursor(cursor, ['r']);
  if (!/^\d{1,19}$/.test(r)) throw badParameter('cursor', 'is not a cursor issued by this API');
  return BigInt(r);
}
