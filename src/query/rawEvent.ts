/**
 * `GET /streams/{streamName}/events/{revision}/raw`: the exact stored bytes of one event, with
 * the content type it was delivered with. Lists leave bodies over the inline limit out
 * (`body: null`); each of their events names this path as `rawUrl`, so a large delivery is
 * fetched one at a time and never built into a JSON string.
 */
import type { RouterContext } from '@koa/router';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { badParameter, notFound } from '../http/httpError.js';
import { onlyParams } from './params.js';

/** Longer than a path id: a stream name is a prefix plus an id of up to 256 characters. */
const MAX_STREAM_NAME = 512;
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~\w-]+\/[!#$%&'*+.^_`|~\w-]+(?:\s*;[\x20-\x7e]*)?$/;

export function rawEventHandler(deps: { readonly store: EventStore }) {
  return async (ctx: RouterContext): Promise<void> => {
    const streamName = ctx.params.streamName;
    if (
      streamName === undefined ||
      streamName === '' ||
      streamName.length > MAX_STREAM_NAME ||
      /\p{Cc}/u.test(streamName)
    ) {
      throw badParameter(
        'streamName',
        `must be a stream name of at most ${MAX_STREAM_NAME} printable characters`,
      );
    }
    const rawRevision = ctx.params.revision ?? '';
    if (!/^\d{1,19}$/.test(rawRevision)) {
      throw badParameter('revision', 'must be a whole number (the event revision in its stream)');
    }
    onlyParams(ctx.query, []);
    const revision = BigInt(rawRevision);
    const [event] = await deps.store.readStream(streamName, {
      fromRevision: revision,
      maxCount: 1,
    });
    if (event === undefined || event.revision !== revision) {
      throw notFound(`no event ${rawRevision} is stored in stream ${streamName}`);
    }
    ctx.set('Content-Type', contentTypeOf(event));
    // The bytes are evidence to download, never a page to render, whatever type they claim.
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "sandbox; default-src 'none'");
    ctx.set('X-Event-Id', event.id);
    ctx.set('X-Event-Position', event.position);
    ctx.body = event.data;
  };
}

/** The delivery's own Content-Type; JSON for what this service wrote; else octet-stream. */
export function contentTypeOf(event: RecordedEvent): string {
  const stored = event.metadata.contentType;
  if (typeof stored === 'string' && stored.length <= 200 && MEDIA_TYPE.test(stored)) return stored;
  if (event.type === DETAILS_EVENT_TYPE || event.type === NOT_FOUND_EVENT_TYPE) {
    return 'application/json';
  }
  return 'application/octet-stream';
}
