/**
 * The enrichment pipeline under test as it runs in production: the real ingress over the real
 * SQLite event store, the ComPilot API simulator over HTTP, journeys delivered as Svix-signed
 * webhooks, and the checkpoint table in a real SQLite read-model file.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import nodeFetch from 'node-fetch';
import { Registry } from 'prom-client';
import type { Test } from 'tap';
import { createCompilotClient, type FetchLike } from '../../src/compilot/client.js';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { streamCategory } from '../../src/events/streams.js';
import {
  CUSTOMER_EVENT_TYPES,
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
} from '../../src/events/types.js';
import type { Logger } from '../../src/lib/logger.js';
import { createCheckpointStore } from '../../src/processing/checkpointStore.js';
import { causedByOf } from '../../src/processing/enrichCustomer.js';
import {
  startEnrichment,
  type EnrichmentOptions,
  type EnrichmentProcessor,
} from '../../src/processing/enrichment.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import { runJourneys, type RunJourneysOptions } from '../../src/simulator/journeys.js';
import { createWebhookSender } from '../../src/simulator/sender.js';
import { readWholeLog, startIngress, type IngressHarness } from './ingressHarness.js';
import {
  captureLogger,
  startSimulator,
  waitFor,
  type SimulatorHarness,
} from './simulatorHarness.js';

export interface Pipeline {
  readonly dir: string;
  readonly ingress: IngressHarness;
  readonly sim: SimulatorHarness;
  readonly readModelPath: string;
  /** Every body the API returned to the enrichment clients, as received. */
  readonly apiBodies: Buffer[];
  readonly logger: Logger;
  readonly logLines: string[];
  /** Plays journeys through the ingress; fails the test if a delivery is refused. */
  send(options?: Omit<RunJourneysOptions, 'sender' | 'state'>): Promise<void>;
  /** Starts a processor on `store` (default: the ingress's); stopped at the test's end. */
  start(options?: Partial<EnrichmentOptions> & { readonly store?: EventStore }): Running;
}

export interface Running {
  readonly processor: EnrichmentProcessor;
  readonly registry: Registry;
  stop(): Promise<void>;
}

export async function startPipeline(t: Test): Promise<Pipeline> {
  const dir = t.testdir();
  const ingress = await startIngress(dir);
  t.teardown(() => ingress.close());
  const sim = await startSimulator(t);
  const readModelPath = join(dir, 'readmodel.db');
  const apiBodies: Buffer[] = [];
  const { logger, lines } = captureLogger('info');
  // Keeps a copy of every body the API sent, then hands the same bytes on.
  const teeFetch: FetchLike = async (url, init) => {
    const response = await nodeFetch(url, init);
    const body = Buffer.from(await response.arrayBuffer());
    apiBodies.push(body);
    return {
      status: response.status,
      headers: response.headers,
      arrayBuffer: () => Promise.resolve(Uint8Array.from(body).buffer),
    };
  };
  const sender = createWebhookSender({
    targetUrl: `http://127.0.0.1:${ingress.port}${WEBHOOK_PATH}`,
    secret: ingress.secrets[0]!,
  });

  return {
    dir,
    ingress,
    sim,
    readModelPath,
    apiBodies,
    logger,
    logLines: lines,
    async send(options = {}) {
      const report = await runJourneys({ sender, state: sim.state, ...options });
      if (report.failed > 0) throw new Error(`${report.failed} deliveries were refused`);
    },
    start(options = {}) {
      const db = new Database(readModelPath);
      const controller = new AbortController();
      const registry = new Registry();
      const client = createCompilotClient({
        baseUrl: sim.api.url,
        apiKey: sim.apiKey,
        fetch: teeFetch,
        maxRetries: 1,
        backoffBaseMs: 10,
        ratePerSecond: 1000,
        ratePerMinute: 100_000,
        timeoutMs: 2000,
      });
      const processor = startEnrichment({
        store: ingress.store,
        client,
        checkpoints: createCheckpointStore(db),
        logger,
        registry,
        signal: controller.signal,
        retryBaseMs: 20,
        retryMaxMs: 200,
        lagIntervalMs: 50,
        ...options,
      });
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        controller.abort();
        await processor.done;
        db.close();
      };
      t.teardown(stop);
      return { processor, registry, stop };
    },
  };
}

/** Waits until `processor` has handled every event up to the head of `store`. */
export async function untilCaughtUp(processor: EnrichmentProcessor, store: EventStore) {
  await waitFor(async () => {
    const status = processor.status();
    return status.caughtUp && status.checkpoint === (await store.headPosition());
  }, 'the processor to catch up');
}

export function isCustomerWebhookEvent(event: RecordedEvent): boolean {
  return (
    streamCategory(event.streamName) === 'customer' &&
    (CUSTOMER_EVENT_TYPES as readonly string[]).includes(event.type)
  );
}

export function isSnapshot(event: RecordedEvent): boolean {
  return event.type === DETAILS_EVENT_TYPE || event.type === NOT_FOUND_EVENT_TYPE;
}

/**
 * The enrichment invariant over the whole log: every customer webhook event is accounted for by
 * exactly one later details/not-found event of its own stream, and every such event accounts
 * only for customer webhook events of its stream. Returns the snapshots.
 */
export async function checkExactlyOnce(t: Test, store: EventStore): Promise<RecordedEvent[]> {
  const log = await readWholeLog(store);
  const causes = new Map(log.filter(isCustomerWebhookEvent).map((event) => [event.id, event]));
  const snapshots = log.filter(isSnapshot);
  const accountedBy = new Map<string, RecordedEvent[]>();
  let stray = 0;
  for (const snapshot of snapshots) {
    for (const cause of causedByOf(snapshot)) {
      const event = causes.get(cause.id);
      const fits =
        event !== undefined &&
        event.streamName === snapshot.streamName &&
        event.position === cause.position &&
        event.revision < snapshot.revision;
      if (!fits) stray += 1;
      accountedBy.set(cause.id, [...(accountedBy.get(cause.id) ?? []), snapshot]);
    }
  }
  const missing = [...causes.keys()].filter((id) => !accountedBy.has(id));
  const twice = [...accountedBy.values()].filter((list) => list.length > 1);
  t.ok(causes.size > 0, 'there are customer events');
  t.equal(missing.length, 0, 'no customer event lacks a snapshot');
  t.equal(twice.length, 0, 'no customer event has two snapshots');
  t.equal(stray, 0, 'snapshots account only for earlier customer events of their stream');
  t.equal(
    new Set(snapshots.map((event) => event.id)).size,
    snapshots.length,
    'snapshot ids unique',
  );
  return snapshots;
}
