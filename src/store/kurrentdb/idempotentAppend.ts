import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { FORWARDS, NO_STREAM, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { sleep } from '../../lib/sleep.js';
import { checkExpectedState, type PreparedEvent } from '../rules.js';
import type { AppendResult, ExpectedState, Position } from '../eventStore.js';
import { EventStoreError, IdempotencyConflictError } from '../eventStore.js';
import { translateError } from './kurrentErrors.js';
import { toEventData } from './kurrentEvents.js';
import { claimEventId } from './idClaims.js';
import { readStream } from './reads.js';
import { headLinkOf, linkEvent } from '../../ledger/chain.js';
import { GENESIS_LINK } from '../../ledger/link.js';
import { encodePosition } from './positions.js';
import type { StreamIndexCache } from './streamIndexCache.js';
import { readStreamState } from './streamState.js';

export interface AppendContext {
  readonly client: KurrentDBClient;
  /** Ids already read per stream, so each check reads only the stream's tail. */
  readonly known: StreamIndexCache;
  /** Read-check-append rounds before giving up to racing writers. */
  readonly maxAttempts: number;
}

/**
 * Appends so that a repeated event id is detected however long after the first write, without
 * trusting KurrentDB's in-memory id cache (which is all an `any` append gets):
 *
 * 1. read the stream's ids and last revision (the tail since the last read, see
 *    `streamIndexCache.ts`);
 * 2. every id present → duplicate result, nothing written; some → IdempotencyConflictError;
 * 3. check the caller's expected state against the revision read → StreamRevisionConflictError;
 * 4. claim each id for this stream (idClaims.ts; an id claimed by another stream fails with
 *    EventIdInOtherStreamError), and link each event onto the last event read;
 * 5. append with the exact revision read (or no_stream). The server accepts it only if nothing
 *    was written since step 1 — or, if exactly our ids were written since (a concurrent
 *    redelivery), it confirms idempotently from its index, writing nothing. Any other
 *    WrongExpectedVersion means a writer slipped in: go back to 1, a bounded number of times.
 *
 * Step 1 proves the ids are absent up to revision N; step 5's exact check proves the stream is
 * still at N when we write. Together no id can end up in the stream twice, and no two events
 * can link onto the same predecessor: a race loser reads the new tail and links again.
 *
 * A stream whose last event was written before the ledger has its head link computed by reading
 * the whole stream (once: the event appended then carries a link).
 */
export async function idempotentAppend(
  { client, known, maxAttempts }: AppendContext,
  streamName: string,
  events: readonly PreparedEvent[],
  expected: ExpectedState,
): Promise<AppendResult> {
  const ids = events.map((event) => event.id);
  let claimed = false;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const state = await readStreamState(client, streamName, known);
    const found = ids.map((id) => state.byId.get(id));
    const present = found.filter((position): position is Position => position !== undefined);
    if (present.length === ids.length) {
      return {
        nextExpectedRevision: state.lastRevision as bigint,
        position: present.reduce((a, b) => (a > b ? a : b)),
        duplicate: true,
      };
    }
    if (present.length > 0) {
      throw new IdempotencyConflictError(
        streamName,
        ids.filter((_, index) => found[index] !== undefined),
      );
    }
    const current = state.lastRevision === 'no_stream' ? undefined : state.lastRevision;
    checkExpectedState(streamName, expected, current);
    if (!claimed) {
      for (const id of ids) await claimEventId(client, streamName, id);
      claimed = true;
    }
    let link =
      current === undefined
        ? GENESIS_LINK
        : (state.lastLink ?? headLinkOf(await readStream(client, streamName)));
    const eventData = events.map((event, index) => {
      const chain = linkEvent(streamName, (current ?? -1n) + 1n + BigInt(index), event, link);
      link = chain.link;
      return toEventData(event, chain);
    });
    let nextExpectedRevision: bigint;
    try {
      const result = await client.appendToStream(streamName, eventData, {
        streamState: state.lastRevision === 'no_stream' ? NO_STREAM : state.lastRevision,
      });
      nextExpectedRevision = result.nextExpectedRevision;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // Another writer got in first. A little jitter keeps two writers from colliding in step.
        await sleep(Math.random() * 5 * attempt);
        continue;
      }
      throw translateError(error, `append to ${streamName}`);
    }
    return {
      nextExpectedRevision,
      position: await positionAt(client, streamName, nextExpectedRevision),
      duplicate: false,
    };
  }
  throw new EventStoreError(
    `append to ${streamName} kept losing races with other writers (${maxAttempts} attempts)`,
  );
}

/**
 * The position of the event at `revision`, read back. The append reply carries the write's
 * position, which for a multi-event write need not be its last event's (the double models it as
 * the first's); the port promises the last event's, so it is taken from the log itself.
 */
async function positionAt(
  client: KurrentDBClient,
  streamName: string,
  revision: bigint,
): Promise<Position> {
  try {
    for await (const { event } of client.readStream(streamName, {
      direction: FORWARDS,
      fromRevision: revision,
      maxCount: 1,
      requiresLeader: true,
    })) {
      if (event?.position) return encodePosition(event.position);
    }
  } catch (error) {
    throw translateError(error, `read of ${streamName}`);
  }
  throw new EventStoreError(`event ${revision} of ${streamName} vanished right after the append`);
}
