import { IdempotencyConflictError, type AppendResult, type ExpectedState } from '../eventStore.js';
import { checkExpectedState, idempotencyVerdict, type PreparedEvent } from '../rules.js';
import { formatSequencePosition } from '../embedded/sequencePosition.js';
import type { Statements, StoredEventRef } from './statements.js';

export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedState;
}

/**
 * One append, run inside the batch's transaction (and its own savepoint, which the caller rolls
 * back when this throws). Order of decisions as the port documents: idempotency first, then the
 * expected state, then the writes.
 */
export function applyAppend(
  statements: Statements,
  request: AppendRequest,
  recordedAt: string,
): AppendResult {
  const { streamName, events, expected } = request;
  const stored = new Map<string, StoredEventRef>();
  const verdict = idempotencyVerdict(events, (id) => {
    const ref = statements.findEvent(streamName, id);
    if (ref) stored.set(id, ref);
    return ref !== undefined;
  });
  const current = statements.streamRevision(streamName);

  if (verdict.kind === 'duplicate') {
    const lastOfAppend = stored.get(events.at(-1)!.id)!;
    return {
      nextExpectedRevision: BigInt(current ?? lastOfAppend.revision),
      position: formatSequencePosition(lastOfAppend.position),
      duplicate: true,
    };
  }
  if (verdict.kind === 'conflict') {
    throw new IdempotencyConflictError(streamName, verdict.existingIds);
  }
  checkExpectedState(streamName, expected, current === undefined ? undefined : BigInt(current));

  let revision = current ?? -1;
  let position = 0;
  for (const event of events) {
    revision += 1;
    position = statements.insertEvent(streamName, revision, event, recordedAt);
  }
  statements.setStreamRevision(streamName, revision);
  return {
    nextExpectedRevision: BigInt(revision),
    position: formatSequencePosition(position),
    duplicate: false,
  };
}
