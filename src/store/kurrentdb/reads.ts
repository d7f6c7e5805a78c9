import type {
  AllStreamResolvedEvent,
  KurrentDBClient,
  ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { BACKWARDS, END, FORWARDS, START, StreamNotFoundError } from '@kurrent/kurrentdb-client';
import type { Position, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../eventStore.js';
import { translateError } from './kurrentErrors.js';
import { isSystemEvent, toRecordedEvent } from './kurrentEvents.js';
import type { LogPosition } from './positions.js';
import { comparePositions, decodePosition, encodePosition } from './positions.js';

const DEFAULT_READ_ALL_COUNT = 1000;
/** Pages for `$all` scans that skip system events; big enough to rarely need a second one. */
const HEAD_PAGE = 64;

/** Reads a stream through the client (its Rust bridge); a missing stream reads as empty. */
export async function readStream(
  client: KurrentDBClient,
  streamName: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  if (maxCount <= 0) return [];
  const forwards = (options.direction ?? 'forwards') === 'forwards';
  const events: RecordedEvent[] = [];
  try {
    for await (const resolved of client.readStream(streamName, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: options.fromRevision ?? (forwards ? START : END),
      maxCount,
    })) {
      if (!isSystemEvent(resolved)) events.push(toRecordedEvent(resolved));
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw translateError(error, `read of ${streamName}`);
  }
  return events;
}

/**
 * One page of `$all` after a position, without system events. KurrentDB reads `$all` from a
 * position inclusively and system events take slots in a page, so the filter is applied here
 * (on positions and names) and further pages are read until the page is full or the log ends.
 */
export async function readAll(
  client: KurrentDBClient,
  options: ReadAllOptions = {},
): Promise<RecordedEvent[]> {
  const maxCount = options.maxCount ?? DEFAULT_READ_ALL_COUNT;
  if (maxCount <= 0) return [];
  let cursor: LogPosition | undefined = options.after ? decodePosition(options.after) : undefined;
  const events: RecordedEvent[] = [];
  const pageSize = Math.min(maxCount + 1, 10_000);
  for (;;) {
    const page = await readAllPage(client, 'forwards', cursor, pageSize);
    for (const resolved of page) {
      const position = resolved.event.position;
      if (cursor && comparePositions(position, cursor) <= 0) continue;
      cursor = position;
      if (isSystemEvent(resolved)) continue;
      events.push(toRecordedEvent(resolved));
      if (events.length === maxCount) return events;
    }
    if (page.length < pageSize) return events;
  }
}

/** Position of the newest non-system event: `$all` read backwards, page by page. */
export async function headPosition(client: KurrentDBClient): Promise<Position | undefined> {
  let cursor: LogPosition | undefined;
  for (;;) {
    const page = await readAllPage(client, 'backwards', cursor, HEAD_PAGE);
    for (const resolved of page) {
      const position = resolved.event.position;
      if (cursor && comparePositions(position, cursor) >= 0) continue;
      cursor = position;
      if (!isSystemEvent(resolved)) return encodePosition(position);
    }
    if (page.length < HEAD_PAGE) return undefined;
  }
}

/** Proves the leader answers: one `$all` read that a follower must refuse. */
export async function probeLeader(client: KurrentDBClient): Promise<void> {
  await readAllPage(client, 'backwards', undefined, 1, true);
}

async function readAllPage(
  client: KurrentDBClient,
  direction: 'forwards' | 'backwards',
  from: LogPosition | undefined,
  maxCount: number,
  requiresLeader = false,
): Promise<(AllStreamResolvedEvent & { event: { position: LogPosition } })[]> {
  const page: (AllStreamResolvedEvent & { event: { position: LogPosition } })[] = [];
  try {
    for await (const resolved of client.readAll({
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromPosition: from ?? (direction === 'forwards' ? START : END),
      maxCount,
      requiresLeader,
    })) {
      if (hasPosition(resolved)) page.push(resolved);
    }
  } catch (error) {
    throw translateError(error, 'read of $all');
  }
  return page;
}

function hasPosition(
  resolved: AllStreamResolvedEvent | ResolvedEvent,
): resolved is AllStreamResolvedEvent & { event: { position: LogPosition } } {
  return resolved.event?.position !== undefined;
}
