/**
 * Typed errors of the ComPilot API client. Each carries the request path, the HTTP status (when
 * there was a response) and the exact response body bytes, never the API key or request headers,
 * so they are safe to log and to record.
 */

export type CompilotErrorType =
  'not-found' | 'unauthorized' | 'rate-limited' | 'unavailable' | 'bad-response';

export interface CompilotErrorDetails {
  readonly method: string;
  /** Path and query of the request, e.g. `/customers/42/details`. */
  readonly path: string;
  /** HTTP status, or undefined when no response arrived (network error, timeout). */
  readonly status?: number | undefined;
  /** The response body exactly as received (empty when there was none). */
  readonly body?: Buffer | undefined;
  /** How many HTTP attempts were made before giving up. */
  readonly attempts: number;
  readonly cause?: unknown;
}

/** Base class of every error the client raises; `type` is the discriminant. */
export abstract class CompilotApiError extends Error {
  abstract readonly type: CompilotErrorType;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  /** Not enumerable, so that logging the error object never prints the body. */
  declare readonly body: Buffer;
  readonly attempts: number;

  constructor(summary: string, details: CompilotErrorDetails) {
    const status = details.status === undefined ? '' : ` (HTTP ${details.status})`;
    super(`ComPilot API ${details.method} ${details.path}: ${summary}${status}`, {
      cause: details.cause,
    });
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    Object.defineProperty(this, 'body', { value: details.body ?? Buffer.alloc(0) });
    this.attempts = details.attempts;
  }

  /** The body as text, for diagnostics (never logged by the client itself). */
  bodyText(): string {
    return this.body.toString('utf8');
  }
}

/** 404: the resource does not exist. Not retried. */
export class CompilotNotFoundError extends CompilotApiError {
  readonly type = 'not-found';
  constructor(details: CompilotErrorDetails) {
    super('not found', details);
    this.name = 'CompilotNotFoundError';
  }
}

/** 401/403: the API key is missing, wrong or lacks the permission. Not retried. */
export class CompilotUnauthorizedError extends CompilotApiError {
  readonly type = 'unauthorized';
  constructor(details: CompilotErrorDetails) {
    super('the API key was refused', details);
    this.name = 'CompilotUnauthorizedError';
  }
}

/** 429 on every attempt. */
export class CompilotRateLimitedError extends CompilotApiError {
  readonly type = 'rate-limited';
  constructor(
    details: CompilotErrorDetails,
    /** The last `Retry-After` the server asked for, in milliseconds. */
    readonly retryAfterMs: number | undefined,
  ) {
    super('rate limited by the server', details);
    this.name = 'CompilotRateLimitedError';
  }
}

export type UnavailableReason = 'http' | 'network' | 'timeout';

/** 5xx, network error or timeout on every attempt. */
export class CompilotUnavailableError extends CompilotApiError {
  readonly type = 'unavailable';
  constructor(
    details: CompilotErrorDetails,
    readonly reason: UnavailableReason,
  ) {
    super(
      reason === 'timeout' ? 'timed out' : reason === 'network' ? 'network error' : 'server error',
      details,
    );
    this.name = 'CompilotUnavailableError';
  }
}

/** Any other 4xx, or a 2xx whose body is not what the endpoint returns. Not retried. */
export class CompilotBadResponseError extends CompilotApiError {
  readonly type = 'bad-response';
  constructor(details: CompilotErrorDetails, summary = 'unexpected response') {
    super(summary, details);
    this.name = 'CompilotBadResponseError';
  }
}

/**
 * Thrown before any request is sent when an id cannot be a path segment of a ComPilot API call
 * (see events/ids.ts): `.`, `..` or `a/b` would address another endpoint with the API key. The
 * message names the problem and never quotes the id.
 */
export class CompilotInvalidIdError extends Error {
  readonly type = 'invalid-id';
  constructor(readonly problem: string) {
    super(`ComPilot API: refusing to build a request path from an id that ${problem}`);
    this.name = 'CompilotInvalidIdError';
  }
}

export function isCompilotApiError(error: unknown): error is CompilotApiError {
  return error instanceof CompilotApiError;
}
