/**
 * The audit query API as it runs in production: the real ingress (createHttpApp) with the query
 * router mounted, over a real SQLite event store and a real read model kept up to date by the
 * projection runner, served on 127.0.0.1. Deliveries are signed by svix and posted over HTTP.
 *
 * The store's and ingress' clock is a settable test clock (the store takes an injected clock),
 * so `knownAt` points are exact; svix timestamps stay real, as svix verification requires.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { projections } from '../../projections/index.js';
import type { CliDeps } from '../../src/cli/deps.js';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { createHttpApp, WEBHOOK_PATH } from '../../src/ingress/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import { openReadModel, type ReadModelDb } from '../../src/readmodel/readModelStore.js';
import { startProjections, type ProjectionRunner } from '../../src/projector/runner.js';
import type { QueryLimits } from '../../src/audit/queryLimits.js';
import { createQueryRouter } from '../../src/query/router.js';
import type { EventStore } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import type { SchemaSet } from '../../src/validation/schemas.js';
import { post, send, startServer, type HttpResponse, type RunningServer } from './httpServer.js';
import { generateSecret, signDelivery } from './signWebhook.js';
import { ENCRYPTION_ENV, TEST_ENCRYPTION_KEY } from './encryptionKey.js';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { parseMasterKey } from '../../src/privacy/masterKey.js';

export const CUSTOMER_ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';
export const ALERT_ID = 'alrt_Zp3Xk8Rm2Qa1';
export const WALLET = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'webhooks');

/** A fixture body (test/fixtures/webhooks/<type>.json) with payload fields overridden. */
export function fixtureBody(
  eventType: string,
  payload: Record<string, unknown> = {},
): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(FIXTURES, `${eventType}.json`), 'utf8')) as {
    payload: Record<string, unknown>;
  };
  return { ...body, payload: { ...body.payload, ...payload } };
}

export interface TestClock {
  (): Date;
  set(time: Date | string): void;
}

export function createTestClock(start = '2030-01-01T00:00:00.000Z'): TestClock {
  let now = new Date(start);
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (time) => {
    now = new Date(time);
  };
  return clock;
}

export interface AuditHarnessOptions {
  /** Secrets the ingress accepts. @defaultValue one fresh secret */
  readonly ingressSecrets?: readonly string[];
  /** Secrets the query API re-verifies with. @defaultValue the ingress secrets */
  readonly querySecrets?: readonly string[];
  /** QUERY_API_TOKENS. @defaultValue one fresh token */
  readonly tokens?: readonly string[];
  readonly schemas?: SchemaSet;
  /** Overrides the query API's documented answer limits. */
  readonly queryLimits?: Partial<QueryLimits>;
  /** RETENTION_DAYS for `/customers/{id}/retention`. @defaultValue 1826 */
  readonly retentionDays?: number;
  /** WEBHOOK_MAX_BODY_BYTES. @defaultValue 1 MiB */
  readonly maxBodyBytes?: number;
  /**
   * Where the store's test clock starts. A test whose CLI commands also write (with the real
   * clock) starts it in the past, so recorded_at never goes back along the log.
   * @defaultValue 2030-01-01T00:00:00.000Z
   */
  /**
   * Encrypts at rest like the service (keys.db beside the store, the test key); otherwise the
   * harness writes plaintext events, which every reader accepts as they are.
   */
  readonly encrypted?: boolean;
  readonly clockStart?: string;
}

export interface AuditHarness {
  readonly port: number;
  readonly dbPath: string;
  readonly readModelPath: string;
  readonly store: EventStore;
  readonly readModel: ReadModelDb;
  readonly secrets: readonly string[];
  readonly token: string;
  readonly clock: TestClock;
  readonly logs: string[];
  /** Signs `body` (object = JSON) with the ingress secrets, or `secret`, and posts it. */
  deliver(
    body: Record<string, unknown> | string,
    options?: { readonly secret?: string | readonly string[]; readonly msgId?: string },
  ): Promise<HttpResponse>;
  /** GET with the valid token unless `token` says otherwise (null = no Authorization header). */
  get(
    path: string,
    options?: { readonly token?: string | null; readonly headers?: Record<string, string> },
  ): Promise<HttpResponse>;
  /** Resolves once every projection has applied the log up to its current head. */
  caughtUp(): Promise<void>;
  /** The environment a CLI command gets (EVENT_STORE_URL etc. pointing at this harness). */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startAuditHarness(
  dir: string,
  options: AuditHarnessOptions = {},
): Promise<AuditHarness> {
  const secrets = options.ingressSecrets ?? [generateSecret()];
  const token = options.tokens?.[0] ?? `tok_${generateSecret().slice(6)}`;
  const tokens = options.tokens ?? [token];
  const dbPath = join(dir, 'events.db');
  const readModelPath = join(dir, 'readmodel.db');
  const logs: string[] = [];
  const logger = createLogger('info', collect(logs));
  const clock = createTestClock(options.clockStart);
  const sqlite = openSqliteEventStore({ path: dbPath, logger, clock });
  const store: EventStore = options.encrypted
    ? new EncryptingEventStore(
        sqlite,
        openKeyStore({ path: join(dir, 'keys.db'), master: parseMasterKey(TEST_ENCRYPTION_KEY) }),
      )
    : sqlite;
  const readModel = openReadModel(readModelPath);
  const stop = new AbortController();
  const runner: ProjectionRunner = startProjections({
    store,
    db: readModel,
    projections,
    logger,
    signal: stop.signal,
  });
  const app = createHttpApp({
    store,
    logger,
    registry: new Registry(),
    webhook: {
      secrets,
      ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    },
    schemas: options.schemas,
    clock,
    routers: [
      createQueryRouter({
        store,
        readModelDb: readModel,
        secrets: options.querySecrets ?? secrets,
        tokens,
        logger,
        clock,
        retentionDays: options.retentionDays ?? 1826,
        ...(options.queryLimits && { limits: options.queryLimits }),
      }),
    ],
  });
  let server: RunningServer | undefined = await startServer(app.callback());
  const { port } = server;

  return {
    port,
    dbPath,
    readModelPath,
    store,
    readModel,
    secrets,
    token,
    clock,
    logs,
    deliver(body, deliveryOptions = {}) {
      const signed = signDelivery({
        secret: deliveryOptions.secret ?? secrets,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(deliveryOptions.msgId !== undefined && { msgId: deliveryOptions.msgId }),
      });
      return post(port, WEBHOOK_PATH, signed.body, signed.headers);
    },
    get(path, getOptions = {}) {
      const auth = getOptions.token === undefined ? token : getOptions.token;
      return send(port, path, {
        method: 'GET',
        headers: {
          ...(auth !== null && { authorization: `Bearer ${auth}` }),
          ...getOptions.headers,
        },
      });
    },
    async caughtUp() {
      const head = await store.headPosition();
      await runner.waitFor(
        (status) =>
          head === undefined ||
          status.projections.every((p) => p.checkpoint !== null && p.checkpoint >= head),
      );
    },
    env(overrides = {}) {
      return {
        ...ENCRYPTION_ENV,
        EVENT_STORE_URL: `sqlite:${dbPath}`,
        READ_MODEL_URL: `sqlite:${readModelPath}`,
        COMPILOT_WEBHOOK_SECRET: (options.querySecrets ?? secrets).join(' '),
        QUERY_API_TOKENS: tokens.join(' '),
        LOG_LEVEL: 'warn',
        ...overrides,
      };
    },
    async close() {
      const running = server;
      server = undefined;
      if (!running) return;
      await running.close();
      stop.abort();
      await runner.done;
      readModel.close();
      await store.close();
    },
  };
}

function collect(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
}

/** A CLI command's deps writing into strings; `stdout()`/`stderr()` read what was written. */
export function cliDeps(env: Record<string, string>): CliDeps & {
  output(): string;
  errors(): string;
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env,
    stdout: collect(out),
    stderr: collect(err),
    stopSignal: new AbortController().signal,
    output: () => out.join(''),
    errors: () => err.join(''),
  };
}

/**
 * DELIBERATE TAMPER, for tests that must catch one: runs an UPDATE on the events table directly
 * in the SQLite file, bypassing the store. The store's trigger refuses UPDATE on events, so the
 * tamper drops it, updates, and puts it back, as an attacker with file access could.
 */
export function tamperEvents(dbPath: string, sql: string, ...params: unknown[]): void {
  const db = new Database(dbPath);
  try {
    db.transaction(() => {
      const trigger = db
        .prepare(
          "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'events_no_update'",
        )
        .pluck()
        .get() as string;
      db.exec('DROP TRIGGER events_no_update');
      const changed = db.prepare(sql).run(...params).changes;
      if (changed !== 1) throw new Error(`tamper changed ${changed} events`);
      db.exec(trigger);
    })();
  } finally {
    db.close();
  }
}

/** DELIBERATE TAMPER: rewrites one stored body (see {@link tamperEvents}). */
export function tamperStoredBody(dbPath: string, eventId: string, data: Buffer | string): void {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  tamperEvents(dbPath, 'UPDATE events SET data = ? WHERE id = ?', bytes, eventId);
}

/**
 * Appends a `compilot.customer.details` snapshot the way the enrichment reactor does (a real
 * append to the real store; the reactor itself calls the ComPilot API, which tests do not).
 */
export async function appendDetailsSnapshot(
  store: EventStore,
  customerId: string,
  cause: { readonly id: string; readonly position: string },
  details: Record<string, unknown>,
  fetchedAt: string,
): Promise<void> {
  await store.appendToStream(customerStream(customerId), [
    {
      id: uuidv5(`details:${customerId}:${cause.id}`),
      type: DETAILS_EVENT_TYPE,
      data: Buffer.from(JSON.stringify(details), 'utf8'),
      metadata: {
        fetchedAt,
        apiPath: `/customers/${customerId}/details`,
        httpStatus: 200,
        causationId: cause.id,
        causationPosition: cause.position,
        causedBy: [{ id: cause.id, position: cause.position }],
      },
    },
  ]);
}
