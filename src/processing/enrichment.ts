/**
 * The enrichment reactor: follows the event log from its durable checkpoint and, for every
 * customer webhook event, records what `GET /customers/{id}/details` answered as a
 * `compilot.customer.details` event (or `compilot.customer.not-found` for a 404) in the same
 * customer stream. Projections read these snapshots and never call the API.
 *
 * It never skips an event: a failure other than 404 is retried with backoff until it succeeds
 * or the processor is stopped, and the checkpoint moves only past a batch whose every customer
 * event is accounted for. Duplicates are excluded by {@link enrichCustomer}, not by the
 * checkpoint, so a crash between the append and the checkpoint, or a second instance, is safe.
 */
import type { Registry } from 'prom-client';
import type { CompilotClient } from '../compilot/client.js';
import { createCustomersApi } from '../compilot/customers.js';
import { isCompilotApiError } from '../compilot/comPilotErrors.js';
import { idProblem } from '../events/ids.js';
import { customerStream, streamCategory, streamEntityId } from '../events/streams.js';
import { CUSTOMER_EVENT_TYPES, DETAILS_EVENT_TYPE } from '../events/types.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import type {
  EventStore,
  Position,
  RecordedEvent,
  SubscriptionBatch,
} from '../store/eventStore.js';
import type { CheckpointStore } from './checkpointStore.js';
import { fetchDetailsEvidence } from './detailsSnapshot.js';
import { enrichCustomer, type FetchedDetails } from './enrichCustomer.js';
import { createEnrichmentMetrics } from './enrichmentMetrics.js';
import { measureLag } from './lag.js';

export interface EnrichmentOptions {
  readonly store: EventStore;
  readonly client: CompilotClient;
  readonly checkpoints: CheckpointStore;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Stops the processor; `done` settles once it has. */
  readonly signal: AbortSignal;
  /** Checkpoint name and metrics label. @defaultValue 'compilot-enrichment' */
  readonly name?: string;
  /** Events per subscription batch (and per checkpoint). @defaultValue 100 */
  readonly batchSize?: number;
  /** Customers enriched at once within a batch. @defaultValue 4 */
  readonly concurrency?: number;
  /** Backoff ceiling of the first retry after a failure; doubles per failure. @defaultValue 1000 */
  readonly retryBaseMs?: number;
  /** @defaultValue 60000 */
  readonly retryMaxMs?: number;
  /** How often lag is measured while behind. @defaultValue 5000 */
  readonly lagIntervalMs?: number;
  /** Lag is counted up to this many events. @defaultValue 10000 */
  readonly lagCountCap?: number;
  readonly clock?: () => Date;
  /** In [0, 1), for the jitter. @defaultValue Math.random */
  readonly random?: () => number;
}

export interface EnrichmentStatus {
  readonly name: string;
  /** False once stopped. */
  readonly running: boolean;
  /** Every event up to the head of the log, as last seen, has been handled. */
  readonly caughtUp: boolean;
  /** Up to where every event is handled (the durable checkpoint). */
  readonly checkpoint: Position | undefined;
  /** Events after the checkpoint, as last measured (at most `lagCountCap`). */
  readonly lagEvents: number;
  /** Age of the oldest unhandled event, as last measured. */
  readonly lagSeconds: number;
  /** True while the latest attempt failed and is being retried. */
  readonly retrying: boolean;
  readonly lastError?: { readonly type: string; readonly message: string; readonly at: string };
  readonly eventsWritten: number;
}

export interface EnrichmentProcessor {
  status(): EnrichmentStatus;
  /** Settles (never rejects) when the processor has stopped after the signal aborted. */
  readonly done: Promise<void>;
}

export function startEnrichment(options: EnrichmentOptions): EnrichmentProcessor {
  const { store, checkpoints, logger, signal } = options;
  const name = options.name ?? 'compilot-enrichment';
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const metrics = createEnrichmentMetrics(options.registry, name);
  const customers = createCustomersApi(options.client);
  let state: Omit<EnrichmentStatus, 'name'> = {
    running: true,
    caughtUp: false,
    checkpoint: undefined,
    lagEvents: 0,
    lagSeconds: 0,
    retrying: false,
    eventsWritten: 0,
  };
  /** Work items currently between a failure and their next success. */
  let failing = 0;
  const update = (patch: Partial<typeof state>): void => {
    state = { ...state, ...patch };
  };

  async function fetchDetails(customerId: string): Promise<FetchedDetails> {
    try {
      const fetched = await fetchDetailsEvidence(customers, customerId, { signal, clock });
      metrics.fetched(fetched.type === DETAILS_EVENT_TYPE ? 'details' : 'not_found');
      return fetched;
    } catch (error) {
      if (!signal.aborted) metrics.fetched('failed');
      throw error;
    }
  }

  /** Records a failure, then waits the backoff for the given number of failures in a row. */
  async function backOff(error: unknown, failures: number): Promise<void> {
    const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (failures - 1));
    const delayMs = Math.floor(random() * ceiling);
    const type = isCompilotApiError(error) ? error.type : errorName(error);
    const message = error instanceof Error ? error.message : String(error);
    update({ lastError: { type, message, at: clock().toISOString() } });
    // An API error's message holds the request path, and so the customer id: log its status.
    const detail = isCompilotApiError(error) ? { status: error.status } : { message };
    logger.warn(
      { processor: name, errorType: type, ...detail, failures, delayMs },
      'enrichment failed, retrying',
    );
    await sleep(delayMs, signal);
    signal.throwIfAborted();
  }

  /** Runs `work` until it succeeds; only the signal ends the retries. */
  async function untilDone<T>(work: () => T | Promise<T>): Promise<T> {
    let failures = 0;
    try {
      for (;;) {
        try {
          return await work();
        } catch (error) {
          signal.throwIfAborted();
          failures += 1;
          if (failures === 1) update({ retrying: (failing += 1) > 0 });
          await backOff(error, failures);
        }
      }
    } finally {
      if (failures > 0) update({ retrying: (failing -= 1) > 0 });
    }
  }

  async function handleBatch(batch: SubscriptionBatch): Promise<void> {
    const first = batch.events[0];
    if (first) {
      update({ caughtUp: false });
      if (state.lagEvents === 0) {
        const seconds = Math.max(0, (clock().getTime() - first.recordedAt.getTime()) / 1000);
        update({ lagEvents: batch.events.length, lagSeconds: seconds });
      }
    }
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of batch.events) {
      if (!isCustomerEvent(event)) continue;
      const list = byStream.get(event.streamName);
      if (list) list.push(event);
      else byStream.set(event.streamName, [event]);
    }
    const groups = [...byStream.entries()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        signal.throwIfAborted();
        const [streamName, causes] = groups[next++]!;
        const customerId = streamEntityId(streamName);
        const problem = idProblem(customerId);
        if (problem !== undefined) {
          // Only a log written before ingress quarantined implausible ids can hold such a
          // stream. Fetching would be refused anyway (CompilotInvalidIdError), and retrying a
          // refusal forever would stop enrichment for everyone; the id itself is not logged.
          logger.warn(
            { processor: name, events: causes.length, firstEventId: causes[0]!.id, problem },
            'enrichment skipped a customer stream whose id is not a plausible ComPilot id',
          );
          continue;
        }
        const { written } = await untilDone(() =>
          enrichCustomer({ store, fetchDetails, metrics, logger }, streamName, customerId, causes),
        );
        if (written > 0) update({ eventsWritten: state.eventsWritten + written });
      }
    };
    // allSettled: when one worker stops on the abort, `done` must still wait for the others'
    // appends in flight, so that nothing is written after the processor reports it stopped.
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(concurrency, groups.length) }, worker),
    );
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    const last = batch.events.at(-1);
    if (last) {
      await untilDone(() => checkpoints.set(name, last.position));
      update({ checkpoint: last.position });
    }
    if (batch.caughtUp) {
      if (!state.caughtUp)
        logger.debug({ processor: name, checkpoint: state.checkpoint }, 'enrichment caught up');
      update({ caughtUp: true, lagEvents: 0, lagSeconds: 0 });
      metrics.lag(0, 0);
    }
    metrics.caughtUp(state.caughtUp);
  }

  async function run(): Promise<void> {
    const checkpoint = await untilDone(() => checkpoints.get(name));
    update({ checkpoint });
    logger.info({ processor: name, checkpoint: checkpoint ?? 'start' }, 'enrichment started');
    let failures = 0;
    while (!signal.aborted) {
      try {
        for await (const batch of store.subscribe({ after: state.checkpoint, signal, batchSize })) {
          await handleBatch(batch);
          if (failures > 0) update({ retrying: (failing -= 1) > 0 });
          failures = 0;
        }
      } catch (error) {
        if (signal.aborted) break;
        // The subscription itself failed (e.g. the store went away): resubscribe from the
        // checkpoint after a pause; handled events are re-checked, never re-recorded.
        failures += 1;
        if (failures === 1) update({ retrying: (failing += 1) > 0 });
        await backOff(error, failures).catch(() => undefined);
      }
    }
  }

  const lagTimer = setInterval(() => {
    if (state.caughtUp) return;
    measureLag(store, state.checkpoint, options.lagCountCap ?? 10_000, clock()).then(
      ({ events, seconds }) => {
        if (state.caughtUp) return;
        update({ lagEvents: events, lagSeconds: seconds });
        metrics.lag(events, seconds);
      },
      (error: unknown) => logger.debug({ processor: name, err: error }, 'lag measurement failed'),
    );
  }, options.lagIntervalMs ?? 5000);
  lagTimer.unref();

  const done = run()
    .catch((error: unknown) => {
      if (!signal.aborted) logger.error({ processor: name, err: error }, 'enrichment stopped');
    })
    .finally(() => {
      clearInterval(lagTimer);
      update({ running: false });
      logger.info({ processor: name, checkpoint: state.checkpoint }, 'enrichment stopped');
    });

  return { status: () => ({ name, ...state }), done };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

const CUSTOMER_TYPES = new Set<string>(CUSTOMER_EVENT_TYPES);

function isCustomerEvent(event: RecordedEvent): boolean {
  return (
    CUSTOMER_TYPES.has(event.type) &&
    streamCategory(event.streamName) === 'customer' &&
    // The stream name is the only place the customer id comes from; it must round-trip.
    customerStream(streamEntityId(event.streamName)) === event.streamName
  );
}
