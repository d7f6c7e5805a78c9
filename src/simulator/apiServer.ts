/**
 * A local stand-in for the ComPilot API (customer endpoints of reference `compilot.md` §1.3),
 * answering from the shared {@link SimulatorState}, with fault injection: 429 with
 * `Retry-After`, 5xx, added latency and dropped connections. It records every request it sees,
 * so tests can count retries and check the client's rate limit where the server sees it.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import { acceptRegistration, REGISTRATION_PATH } from './registration.js';
import { customerBody, customerDetailsBody, customerListItem, walletsBody } from './bodies.js';
import type { SimulatorState } from './state.js';

export interface SimulatorFaults {
  /** Share of requests answered 429, in [0, 1]. */
  readonly rate429?: number;
  /** `Retry-After` sent with a 429. @defaultValue 1 */
  readonly retryAfterSeconds?: number;
  /** @defaultValue 'seconds' */
  readonly retryAfterFormat?: 'seconds' | 'date';
  /** Share of requests answered with a 5xx, in [0, 1]. */
  readonly rate5xx?: number;
  /** @defaultValue 503 */
  readonly status5xx?: number;
  /** Send `Retry-After` (`retryAfterSeconds`) with a 5xx too, as a server in maintenance does. */
  readonly retryAfterOn5xx?: boolean;
  /** Added before every answer. */
  readonly latencyMs?: number;
  /** Share of requests whose connection is destroyed without an answer, in [0, 1]. */
  readonly dropRate?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  /** Arrival time, monotonic milliseconds (`performance.now()`). */
  readonly at: number;
  /** Status answered, or 'dropped'. Set when the answer is decided. */
  status: number | 'dropped' | undefined;
  /** When the answer was sent or the connection dropped, monotonic milliseconds. */
  answeredAt: number | undefined;
}

export interface SimulatorApiOptions {
  /** @defaultValue 0 (any free port) */
  readonly port?: number;
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** Accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
  readonly apiKey: string;
  readonly faults?: SimulatorFaults;
  readonly state: SimulatorState;
  /** In [0, 1), decides which requests get a fault. @defaultValue Math.random */
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface SimulatorApi {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Replaces the fault settings; takes effect for the next request. */
  setFaults(faults: SimulatorFaults): void;
  close(): Promise<void>;
}

const MAX_PAGE_SIZE = 100;

export async function startSimulatorApi(options: SimulatorApiOptions): Promise<SimulatorApi> {
  if (options.apiKey === '') throw new TypeError('the simulator needs an API key to accept');
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const { state, logger } = options;
  const expectedKey = Buffer.from(options.apiKey);
  const requests: RecordedRequest[] = [];
  let faults: SimulatorFaults = options.faults ?? {};

  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      at: performance.now(),
      status: undefined,
      answeredAt: undefined,
    };
    requests.push(record);
    handle(req, res, record).catch((error: unknown) => {
      logger?.error({ err: error }, 'simulator api failed');
      if (!res.headersSent) send(res, record, 500, { error: 'Internal server error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest) {
    // Registrations from another simulator process (registration.ts): never faulted.
    if (req.method === 'PUT' && record.path.startsWith(REGISTRATION_PATH)) {
      if (!authorized(req)) return send(res, record, 401, { error: 'Unauthorized' });
      const status = await acceptRegistration(req, state);
      if (status !== 204) return send(res, record, status, { error: 'Bad registration' });
      record.status = 204;
      record.answeredAt = performance.now();
      res.writeHead(204).end();
      return;
    }
    const current = faults;
    if (chance(current.dropRate)) {
      record.status = 'dropped';
      record.answeredAt = performance.now();
      req.socket.destroy();
      return;
    }
    if (current.latencyMs) await sleep(current.latencyMs);
    if (!authorized(req)) return send(res, record, 401, { error: 'Unauthorized' });
    const seconds = current.retryAfterSeconds ?? 1;
    const retryAfter =
      current.retryAfterFormat === 'date'
        ? new Date(Date.now() + seconds * 1000).toUTCString()
        : String(seconds);
    if (chance(current.rate429)) {
      return send(res, record, 429, { error: 'Too many requests' }, { 'retry-after': retryAfter });
    }
    if (chance(current.rate5xx)) {
      const headers = current.retryAfterOn5xx ? { 'retry-after': retryAfter } : undefined;
      return send(res, record, current.status5xx ?? 503, { error: 'Service unavailable' }, headers);
    }
    if (req.method !== 'GET') return send(res, record, 405, { error: 'Method not allowed' });
    route(new URL(record.path, 'http://simulator'), res, record);
  }

  function route(url: URL, res: ServerResponse, record: RecordedRequest): void {
    const parts = url.pathname
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    if (parts[0] !== 'customers' || parts.length > 3) {
      return send(res, record, 404, { error: 'Not found' });
    }
    if (parts.length === 1) return listCustomers(url, res, record);
    const customer = state.customer(parts[1]!);
    if (!customer) return send(res, record, 404, { error: 'Customer not found' });
    if (parts.length === 2) return send(res, record, 200, customerBody(customer));
    if (parts[2] === 'details') return send(res, record, 200, customerDetailsBody(customer, now()));
    if (parts[2] === 'wallets') return send(res, record, 200, walletsBody(customer));
    return send(res, record, 404, { error: 'Not found' });
  }

  function listCustomers(url: URL, res: ServerResponse, record: RecordedRequest): void {
    const currentPage = Number(url.searchParams.get('currentPage') ?? '1');
    const limit = Number(url.searchParams.get('limit') ?? String(MAX_PAGE_SIZE));
    if (!Number.isInteger(currentPage) || currentPage < 1) {
      return send(res, record, 400, { error: 'currentPage must be a whole number from 1' });
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      return send(res, record, 400, { error: `limit must be from 1 to ${MAX_PAGE_SIZE}` });
    }
    const all = state.customers();
    const data = all
      .slice((currentPage - 1) * limit, currentPage * limit)
      .map((customer) => customerListItem(customer, state.openAlertCount(customer.id)));
    send(res, record, 200, { data, totalCount: all.length });
  }

  function authorized(req: IncomingMessage): boolean {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const headerKey = req.headers['x-api-key'];
    const given = bearer ?? (typeof headerKey === 'string' ? headerKey : undefined);
    if (given === undefined) return false;
    const candidate = Buffer.from(given);
    return candidate.length === expectedKey.length && timingSafeEqual(candidate, expectedKey);
  }

  function chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && random() < rate;
  }

  function send(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    record.status = status;
    record.answeredAt = performance.now();
    logger?.debug({ method: record.method, path: record.path, status }, 'simulator api request');
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
    port,
    requests,
    setFaults(next) {
      faults = next;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
