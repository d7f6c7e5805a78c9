import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { HttpError } from '../http/httpError.js';

/** Default cap on a webhook body: 1 MiB (config `WEBHOOK_MAX_BODY_BYTES`). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Key under which {@link rawBody} leaves the bytes in `ctx.state`. */
const STATE_KEY = 'rawBody';

/** Why a body was refused before it could be verified: 413, or 400 for a broken upload. */
export type BodyRefusal = 'body-too-large' | 'body-unreadable' | 'body-cut-short';

/** The 413/400 of {@link readRawBody}, with its reason for logs and metrics. */
export class BodyRefusedError extends HttpError {
  constructor(
    readonly reason: BodyRefusal,
    status: number,
    message: string,
    options: ConstructorParameters<typeof HttpError>[2] = {},
  ) {
    super(status, message, options);
    this.name = 'BodyRefusedError';
  }
}

export interface RawBodyOptions {
  readonly limit: number;
  /** Told about every refused body (after which the error is answered as usual). */
  readonly onRefused?: (error: BodyRefusedError) => void;
}

/**
 * Route-scoped body reader: leaves the exact request bytes in `ctx.state` for
 * {@link getRawBody}, before anything parses them (the signature covers these bytes).
 * A body over `limit` answers 413 and is not read further.
 */
export function rawBody(options: RawBodyOptions): Middleware {
  return async function rawBodyMiddleware(ctx, next) {
    try {
      (ctx.state as Record<string, unknown>)[STATE_KEY] = await readRawBody(ctx.req, options.limit);
    } catch (error) {
      // The rest of an oversized or broken body is never read: close the connection after the
      // answer instead of draining it.
      if (error instanceof HttpError) ctx.set('Connection', 'close');
      if (error instanceof BodyRefusedError) options.onRefused?.(error);
      throw error;
    }
    await next();
  };
}

export function getRawBody(state: unknown): Buffer {
  const body = (state as Record<string, unknown>)[STATE_KEY];
  if (!Buffer.isBuffer(body)) throw new Error('rawBody middleware did not run for this route');
  return body;
}

/**
 * Reads the whole body as one Buffer. A declared Content-Length over the limit is refused before
 * any byte is read; without one (chunked), the limit is enforced while streaming.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  if (req.readableEnded) {
    return Promise.reject(new Error('the request body was already consumed before rawBody'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (error: BodyRefusedError): void => {
      cleanup();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (cause: Error): void => {
      fail(
        new BodyRefusedError('body-unreadable', 400, 'request body could not be read', { cause }),
      );
    };
    // 'close' before 'end' means the client went away mid-body.
    const onClose = (): void => {
      if (!req.readableEnded) {
        fail(new BodyRefusedError('body-cut-short', 400, 'request body was cut short'));
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): BodyRefusedError {
  return new BodyRefusedError('body-too-large', 413, `request body is larger than ${limit} bytes`, {
    details: { limit },
  });
}
