/**
 * The ComPilot API client: one `request()` that every endpoint function goes through. It owns
 * the timeout, the retries, the client-side rate limit and the concurrency cap, and turns every
 * failure into a typed {@link CompilotApiError}. The API key goes into the Authorization header
 * and nowhere else: not into logs, error messages or errors' fields.
 */
import nodeFetch from 'node-fetch';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { sleep as defaultSleep } from '../lib/sleep.js';
import { idProblem } from '../events/ids.js';
import {
  CompilotBadResponseError,
  CompilotInvalidIdError,
  CompilotNotFoundError,
  CompilotRateLimitedError,
  CompilotUnauthorizedError,
  CompilotUnavailableError,
  type CompilotApiError,
  type CompilotErrorDetails,
} from './comPilotErrors.js';
import { createCompilotMetrics, type FetchOutcome } from './comPilotMetrics.js';
import { createRateLimiter } from './rateLimiter.js';

/** The subset of the fetch API the client uses (node-fetch by default; injectable for tests). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignal },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface CompilotClientOptions {
  /** e.g. `https://api.compilot.ai`; a path prefix is kept. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Per attempt, reading the body included. @defaultValue 10000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx. @defaultValue 6 */
  readonly maxRetries?: number;
  /** @defaultValue 15 */
  readonly ratePerSecond?: number;
  /** @defaultValue 300 */
  readonly ratePerMinute?: number;
  /** Requests in flight at once. @defaultValue 4 */
  readonly maxConcurrency?: number;
  /** Backoff ceiling of the first retry; doubles per retry (full jitter). @defaultValue 250 */
  readonly backoffBaseMs?: number;
  /** @defaultValue 30000 */
  readonly backoffMaxMs?: number;
  /** Longest `Retry-After` obeyed; a longer one is cut to this. @defaultValue 60000 */
  readonly maxRetryAfterMs?: number;
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
  /** Where the client's metrics are registered; none when omitted. */
  readonly registry?: Registry;
  /** Wall clock in ms, used to read `Retry-After` dates. @defaultValue Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1), for the jitter. @defaultValue Math.random */
  readonly random?: () => number;
}

export interface CompilotRequest {
  /** Starts with `/`; build it with {@link apiPath} so that ids are checked and encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Metrics label naming the endpoint, e.g. `customer_details`. @defaultValue 'other' */
  readonly operation?: string;
  /** Aborting rejects the request with the signal's reason, at once, without retrying. */
  readonly signal?: AbortSignal;
}

export interface CompilotResponse {
  /** Always 2xx: anything else is thrown as a {@link CompilotApiError}. */
  readonly status: number;
  /** The body exactly as received. */
  readonly body: Buffer;
  /** Path and query as requested. */
  readonly path: string;
  readonly attempts: number;
}

export interface CompilotClient {
  /** GET `path`; resolves with a 2xx response, otherwise rejects with a typed error. */
  request(request: CompilotRequest): Promise<CompilotResponse>;
}

type Attempt =
  | { readonly kind: 'response'; status: number; body: Buffer; retryAfter: string | null }
  | { readonly kind: 'failed'; reason: 'network' | 'timeout'; cause: unknown };

export function createCompilotClient(options: CompilotClientOptions): CompilotClient {
  const base = parseBaseUrl(options.baseUrl);
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new TypeError('createCompilotClient needs a non-empty apiKey');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetries = options.maxRetries ?? 6;
  const backoffBaseMs = options.backoffBaseMs ?? 250;
  const backoffMaxMs = options.backoffMaxMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const fetchImpl: FetchLike = options.fetch ?? nodeFetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const metrics = createCompilotMetrics(options.registry);
  const limiter = createRateLimiter({
    limits: [
      { count: options.ratePerSecond ?? 15, windowMs: 1000 },
      { count: options.ratePerMinute ?? 300, windowMs: 60_000 },
    ],
    maxConcurrency: options.maxConcurrency ?? 4,
  });
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    accept: 'application/json',
    'user-agent': 'compilot-ledger',
  };

  async function attemptOnce(url: string, operation: string, signal?: AbortSignal) {
    const release = await limiter.acquire(signal);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const forwardAbort = (): void => controller.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });
    const started = performance.now();
    let attempt: Attempt;
    try {
      const response = await fetchImpl(url, { method: 'GET', headers, signal: controller.signal });
      const body = Buffer.from(await response.arrayBuffer());
      const retryAfter = response.headers.get('retry-after');
      attempt = { kind: 'response', status: response.status, body, retryAfter };
    } catch (cause) {
      signal?.throwIfAborted();
      attempt = {
        kind: 'failed',
        reason: controller.signal.aborted ? 'timeout' : 'network',
        cause,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
      release();
    }
    const result =
      attempt.kind === 'response' ? `${Math.floor(attempt.status / 100)}xx` : attempt.reason;
    metrics.attempt(operation, result, (performance.now() - started) / 1000);
    return attempt;
  }

  async function request(req: CompilotRequest): Promise<CompilotResponse> {
    const operation = req.operation ?? 'other';
    assertNoDotSegments(req.path);
    const path = withQuery(req.path, req.query);
    const url = base + path;
    for (let attempts = 1; ; attempts += 1) {
      let attempt: Attempt;
      try {
        attempt = await attemptOnce(url, operation, req.signal);
      } catch (error) {
        metrics.fetched(operation, 'aborted');
        throw error;
      }
      const details: CompilotErrorDetails = {
        method: 'GET',
        path,
        attempts,
        ...(attempt.kind === 'response'
          ? { status: attempt.status, body: attempt.body }
          : { cause: attempt.cause }),
      };
      // The operation names the endpoint; the path is not logged, its ids come from webhooks.
      logger?.debug(
        { operation, attempt: attempts, status: details.status },
        'compilot api attempt',
      );
      if (attempt.kind === 'response' && attempt.status >= 200 && attempt.status < 300) {
        metrics.fetched(operation, 'ok');
        return { status: attempt.status, body: attempt.body, path, attempts };
      }
      const { error, retryAfterMs } = classify(attempt, details);
      if (retryAfterMs === null || attempts > maxRetries) {
        metrics.fetched(operation, outcomeOf(error));
        throw error;
      }
      const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempts - 1));
      const delayMs =
        retryAfterMs === undefined
          ? Math.floor(random() * ceiling)
          : Math.min(retryAfterMs, maxRetryAfterMs) + Math.floor(random() * backoffBaseMs);
      const reason = attempt.kind === 'response' ? String(attempt.status) : attempt.reason;
      metrics.retried(operation, reason);
      logger?.warn(
        { operation, attempt: attempts, reason, delayMs },
        'compilot api request failed, retrying',
      );
      await sleep(delayMs, req.signal);
      req.signal?.throwIfAborted();
    }
  }

  /** The error to throw, and `retryAfterMs`: null = do not retry, undefined = plain backoff. */
  function classify(
    attempt: Attempt,
    details: CompilotErrorDetails,
  ): { error: CompilotApiError; retryAfterMs: number | null | undefined } {
    if (attempt.kind === 'failed') {
      return {
        error: new CompilotUnavailableError(details, attempt.reason),
        retryAfterMs: undefined,
      };
    }
    const retryAfterMs = parseRetryAfter(attempt.retryAfter, now());
    const { status } = attempt;
    if (status === 429) {
      return { error: new CompilotRateLimitedError(details, retryAfterMs), retryAfterMs };
    }
    if (status >= 500)
      return { error: new CompilotUnavailableError(details, 'http'), retryAfterMs };
    if (status === 404) return { error: new CompilotNotFoundError(details), retryAfterMs: null };
    if (status === 401 || status === 403) {
      return { error: new CompilotUnauthorizedError(details), retryAfterMs: null };
    }
    return { error: new CompilotBadResponseError(details), retryAfterMs: null };
  }

  return { request };
}

/**
 * Builds an API path from a template whose every interpolation is an id, each checked to be a
 * plausible ComPilot id and percent-encoded as one path segment:
 * `apiPath\`/customers/${customerId}/details\``. Throws {@link CompilotInvalidIdError} for an
 * implausible id, so no request is ever made to a path it would have redirected.
 */
export function apiPath(template: TemplateStringsArray, ...ids: readonly unknown[]): string {
  let path = template[0]!;
  ids.forEach((id, index) => {
    const problem = idProblem(id);
    if (problem !== undefined) throw new CompilotInvalidIdError(problem);
    path += encodeURIComponent(id as string) + template[index + 1]!;
  });
  return path;
}

/**
 * A second line behind {@link apiPath}: a `.` or `..` segment (also percent-encoded, which
 * servers and proxies may decode) would make the URL resolve to another endpoint.
 */
function assertNoDotSegments(path: string): void {
  const segments = path.split('?', 1)[0]!.split('/');
  if (segments.some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) {
    throw new CompilotInvalidIdError('is a dot segment');
  }
}

function outcomeOf(error: CompilotApiError): FetchOutcome {
  return error.type.replace('-', '_') as FetchOutcome;
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError('createCompilotClient needs an http(s) baseUrl');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('createCompilotClient needs an http(s) baseUrl');
  }
  return raw.replace(/\/+$/, '');
}

function withQuery(path: string, query: CompilotRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}
