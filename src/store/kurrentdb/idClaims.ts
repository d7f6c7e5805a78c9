/**
 * Store-wide event ids on KurrentDB, which has no index by id across streams: before an event
 * is appended, its id is claimed for its stream by writing one event to `ledger-id-<id>` with
 * expected state no_stream. The server lets exactly one claim create that stream, so two streams
 * can never both hold the id, however many writers race.
 *
 * Crash safety: a claim is written before the event and never undone. A crash between the two
 * leaves the claim; the retry of the same append finds the claim names its own stream and goes
 * on. Claiming is idempotent (deterministic claim event id), and reads never return claim
 * streams (see kurrentEvents.ts isSystemEvent). Ids stored before the ledger existed have no claim.
 */
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  FORWARDS,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
  jsonEvent,
} from '@kurrent/kurrentdb-client';
import { uuidv5 } from '../../lib/uuidv5.js';
import { EventIdInOtherStreamError, EventStoreError } from '../eventStore.js';
import { translateError } from './kurrentErrors.js';

const CLAIM_PREFIX = 'ledger-id-';
const CLAIM_TYPE = 'ledger.id-claimed';

export function isClaimStream(streamName: string): boolean {
  return streamName.startsWith(CLAIM_PREFIX);
}

/** Claims `id` for `streamName`; throws EventIdInOtherStreamError if another stream has it. */
export async function claimEventId(
  client: KurrentDBClient,
  streamName: string,
  id: string,
): Promise<void> {
  const claimStream = `${CLAIM_PREFIX}${id}`;
  try {
    await client.appendToStream(
      claimStream,
      jsonEvent({
        id: uuidv5(`${claimStream}/${streamName}`),
        type: CLAIM_TYPE,
        data: { stream: streamName },
      }),
      { streamState: NO_STREAM },
    );
    return;
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) {
      throw translateError(error, `claim of event id ${id}`);
    }
  }
  const owner = await claimOwner(client, claimStream);
  if (owner !== streamName) throw new EventIdInOtherStreamError(streamName, id, owner);
}

async function claimOwner(client: KurrentDBClient, claimStream: string): Promise<string> {
  try {
    for await (const { event } of client.readStream(claimStream, {
      direction: FORWARDS,
      fromRevision: START,
      maxCount: 1,
      requiresLeader: true,
    })) {
      const data = event?.data as { stream?: unknown } | undefined;
      if (typeof data?.stream === 'string') return data.stream;
    }
  } catch (error) {
    throw translateError(error, `read of ${claimStream}`);
  }
  throw new EventStoreError(`the id claim ${claimStream} exists but names no stream`);
}
