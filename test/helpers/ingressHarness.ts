/**
 * The ingress under test as it runs in production: createHttpApp over the real SQLite event
 * store (a file in the test's directory), served on 127.0.0.1, logging into an array.
 */
import { dirname, join } from 'node:path';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { parseMasterKey } from '../../src/privacy/masterKey.js';
import { TEST_ENCRYPTION_KEY } from './encryptionKey.js';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createHttpApp, WEBHOOK_PATH } from '../../src/ingress/app.js';
import type { ReadinessCheck } from '../../src/ingress/health.js';
import { createLogger } from '../../src/lib/logger.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import {
  openSqliteEventStore,
  type SqliteEventStoreOptions,
} from '../../src/store/sqliteEventStore.js';
import type { SchemaSet } from '../../src/validation/schemas.js';
import { post, startServer, type HttpResponse, type RunningServer } from './httpServer.js';
import { generateSecret } from './signWebhook.js';

export interface IngressHarnessOptions {
  readonly secrets?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly schemas?: SchemaSet;
  readonly readinessChecks?: readonly ReadinessCheck[];
  readonly store?: Partial<Omit<SqliteEventStoreOptions, 'path'>>;
}

export interface IngressHarness {
  readonly port: number;
  readonly secrets: readonly string[];
  readonly dbPath: string;
  readonly store: EventStore;
  readonly registry: Registry;
  /** Every log line written so far, raw. */
  readonly logs: string[];
  deliver(body: Buffer | string, headers: Record<string, string | string[]>): Promise<HttpResponse>;
  /** Stops the server, then closes the store. Safe to call twice. */
  close(): Promise<void>;
}

export async function startIngress(
  dir: string,
  options: IngressHarnessOptions = {},
): Promise<IngressHarness> {
  const secrets = options.secrets ?? [generateSecret()];
  const dbPath = join(dir, 'events.db');
  const logs: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  const store = openSqliteEventStore({ path: dbPath, logger, ...options.store });
  const registry = new Registry();
  const app = createHttpApp({
    store,
    logger,
    registry,
    webhook: { secrets, maxBodyBytes: options.maxBodyBytes },
    schemas: options.schemas,
    readinessChecks: options.readinessChecks,
  });
  let server: RunningServer | undefined = await startServer(app.callback());
  const { port } = server;
  return {
    port,
    secrets,
    dbPath,
    store,
    registry,
    logs,
    deliver: (body, headers) => post(port, WEBHOOK_PATH, body, headers),
    async close() {
      const running = server;
      server = undefined;
      if (running) await running.close();
      await store.close();
    },
  };
}

/** The whole log, oldest first. */
export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({ after: events.at(-1)?.position, maxCount: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

/** The whole log of the SQLite file at `path`, read through a fresh store. */
export async function readWholeLogAt(path: string): Promise<RecordedEvent[]> {
  // Through encryption at rest, with the key store a service with the test key left beside it.
  const store = new EncryptingEventStore(
    openSqliteEventStore({ path }),
    openKeyStore({
      path: join(dirname(path), 'keys.db'),
      master: parseMasterKey(TEST_ENCRYPTION_KEY),
      readOnly: true,
    }),
  );
  try {
    return await readWholeLog(store);
  } finally {
    await store.close();
  }
}
