import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { FORWARDS, START, StreamNotFoundError } from '@kurrent/kurrentdb-client';
import type { Position } from '../eventStore.js';
import { translateError } from './kurrentErrors.js';
import { chainFieldsOf } from './kurrentEvents.js';
import { encodePosition } from './positions.js';
import type { StreamIndexCache } from './streamIndexCache.js';

/** What the log says about a stream now: its last revision and where each id sits. */
export interface StreamState {
  readonly lastRevision: bigint | 'no_stream';
  readonly byId: ReadonlyMap<string, Position>;
  /** Link of the last event; undefined for no stream or a last event without one. */
  readonly lastLink: string | undefined;
}

/**
 * Reads the stream's ids (data is dropped) on the leader — a lagging follower could only cost
 * retries, never a duplicate, but there is no point paying them. With what `known` remembers
 * of the stream, only the events after it are read.
 */
export async function readStreamState(
  client: KurrentDBClient,
  streamName: string,
  known: StreamIndexCache,
): Promise<StreamState> {
  const cached = known.get(streamName);
  const byId = new Map<string, Position>(cached?.byId ?? []);
  let lastRevision: bigint | undefined = cached?.lastRevision;
  let lastLink: string | undefined = cached?.lastLink;
  try {
    for await (const { event } of client.readStream(streamName, {
      direction: FORWARDS,
      fromRevision: lastRevision === undefined ? START : lastRevision + 1n,
      requiresLeader: true,
    })) {
      if (!event?.position) continue;
      byId.set(event.id.toLowerCase(), encodePosition(event.position));
      lastRevision = event.revision;
      lastLink = chainFieldsOf(event.metadata)?.link;
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) {
      // Also what a stream deleted since we cached it reads as: start over from nothing.
      known.delete(streamName);
      return { lastRevision: 'no_stream', byId: new Map(), lastLink: undefined };
    }
    throw translateError(error, `read of ${streamName}`);
  }
  if (lastRevision === undefined) return { lastRevision: 'no_stream', byId, lastLink: undefined };
  known.set(streamName, { lastRevision, byId, lastLink });
  return { lastRevision, byId, lastLink };
}
