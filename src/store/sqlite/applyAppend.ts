import {
  EventIdInOtherStreamError,
  IdempotencyConflictError,
  type AppendResult,
  type ExpectedState,
} from '../eventStore.js';
import { checkExpectedState, idempotencyVerdict, type PreparedEvent } from '../rules.js';
import { formatSequencePosition } from '../embedded/sequencePosition.js';
import { linkEvent } from '../../ledger/chain.js';
import { GENESIS_LINK } from '../../ledger/link.js';
import type { Statements, StoredEventRef } from './statements.js';

export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedState;
}

/**
 * One append, run inside the batch's transaction (and its own savepoint, which the caller rolls
 * back when this throws). Order of decisions as the port documents: idempotency first, then
 * store-wide id uniqueness, then the expected state, then the writes. Links are computed here,
 * in the writer's transaction, from the head link the streams row holds: the write lock orders
 * appends, so a stream's chain cannot fork. `chain: false` (benchmarks only) stores no links.
 */
export function applyAppend(
  statements: Statements,
  request: AppendRequest,
  recordedAt: string,
  chain = true,
): AppendResult {
  const { streamName, events, expected } = request;
  const stored = new Map<string, StoredEventRef>();
  const verdict = idempotencyVerdict(events, (id) => {
    const ref = statements.findEvent(streamName, id);
    if (ref) stored.set(id, ref);
    return ref !== undefined;
  });
  let head = statements.streamHead(streamName);

  if (verdict.kind === 'duplicate') {
    const lastOfAppend = stored.get(events.at(-1)!.id)!;
    return {
      nextExpectedRevision: BigInt(head?.revision ?? lastOfAppend.revision),
      position: formatSequencePosition(lastOfAppend.position),
      duplicate: true,
    };
  }
  if (verdict.kind === 'conflict') {
    throw new IdempotencyConflictError(streamName, verdict.existingIds);
  }
  for (const event of events) {
    const other = statements.otherStreamOf(event.id, streamName);
    if (other !== undefined) throw new EventIdInOtherStreamError(streamName, event.id, other);
  }
  checkExpectedState(streamName, expected, head === undefined ? undefined : BigInt(head.revision));

  if (chain && head !== undefined && head.headLink === null) {
    // Only a stream written before the ledger whose head link the migration did not set.
    statements.fillHeadLink(streamName);
    head = statements.streamHead(streamName);
  }
  let revision = head?.revision ?? -1;
  let link = head?.headLink ?? GENESIS_LINK;
  let position = 0;
  for (const event of events) {
    revision += 1;
    const fields = chain ? linkEvent(streamName, revision, event, link) : undefined;
    if (fields) link = fields.link;
    position = statements.insertEvent(streamName, revision, event, recordedAt, fields);
  }
  statements.setStreamHead(streamName, revision, chain ? link : null);
  return {
    nextExpectedRevision: BigInt(revision),
    position: formatSequencePosition(position),
    duplicate: false,
  };
}
