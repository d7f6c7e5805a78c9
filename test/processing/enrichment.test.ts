import { randomUUID } from 'node:crypto';
import t from 'tap';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../../src/events/types.js';
import { StoreUnavailableError, type EventStore } from '../../src/store/eventStore.js';
import { readWholeLog } from '../helpers/ingressHarness.js';
import {
  checkExactlyOnce,
  isCustomerWebhookEvent,
  startPipeline,
  untilCaughtUp,
} from '../helpers/enrichmentHarness.js';
import { waitFor } from '../helpers/simulatorHarness.js';

void t.test('each customer event yields exactly one snapshot, recorded byte-exact', async (t) => {
  const pipeline = await startPipeline(t);
  const { processor } = pipeline.start();
  await pipeline.send({ unknownEventType: true });
  await untilCaughtUp(processor, pipeline.ingress.store);
  const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);

  const details = snapshots.filter((event) => event.type === DETAILS_EVENT_TYPE);
  t.ok(details.length > 0, 'details were recorded');
  for (const event of details) {
    const customerId = event.streamName.slice('customer-'.length);
    t.ok(
      pipeline.apiBodies.some((body) => body.equals(event.data)),
      'data is a body exactly as the API returned it',
    );
    t.equal((JSON.parse(event.data.toString('utf8')) as { id: string }).id, customerId);
    const causedBy = event.metadata.causedBy as { id: string; position: string }[];
    t.match(event.metadata, {
      fetchedAt: /^\d{4}-\d{2}-\d{2}T.*Z$/,
      apiPath: `/customers/${customerId}/details`,
      httpStatus: 200,
      causationId: causedBy[0]!.id,
      causationPosition: causedBy[0]!.position,
    });
  }
  const log = await readWholeLog(pipeline.ingress.store);
  t.notOk(
    log.some(
      (event) => !event.streamName.startsWith('customer-') && event.type.startsWith('compilot.'),
    ),
    'alert and quarantine streams get no snapshots',
  );
  t.ok(
    log.some((event) => event.streamName === 'quarantine'),
    'the unknown type was quarantined',
  );
  t.ok(
    log.some((event) => event.streamName.startsWith('alert-')),
    'alerts were stored',
  );
  t.equal(processor.status().lagEvents, 0);
  t.equal(processor.status().retrying, false);
});

void t.test(
  'a customer stream with an implausible id from an older log is skipped, not fetched, not retried',
  async (t) => {
    const pipeline = await startPipeline(t);
    const { store } = pipeline.ingress;
    // Written straight to the store, as ingress before invalid-id quarantine could have done.
    for (const id of ['..', 'leak/slash']) {
      await store.appendToStream(`customer-${id}`, [
        { id: randomUUID(), type: 'customer.updated', data: Buffer.from('{}'), metadata: {} },
      ]);
    }
    await pipeline.send({ journeys: ['deletion'] });
    const { processor } = pipeline.start();
    await untilCaughtUp(processor, store);
    t.equal(pipeline.sim.api.requests.length, 1, 'only the plausible customer was fetched');
    t.equal(processor.status().retrying, false);
    const logs = pipeline.logLines.join('');
    t.match(logs, /enrichment skipped a customer stream whose id is not a plausible ComPilot id/);
    t.notOk(logs.includes('leak/slash'), 'the id is not logged');
    const skipped = (await readWholeLog(store)).filter((e) => e.streamName === 'customer-..');
    t.equal(skipped.length, 1, 'nothing was recorded for it');
  },
);

void t.test('pending events of one customer are served by one fetch', async (t) => {
  const pipeline = await startPipeline(t);
  await pipeline.send({ journeys: ['onboarding'] });
  const { processor } = pipeline.start();
  await untilCaughtUp(processor, pipeline.ingress.store);
  const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);
  t.equal(snapshots.length, 1, 'one snapshot');
  t.equal((snapshots[0]!.metadata.causedBy as unknown[]).length, 5, 'accounting for all five');
  const fetches = pipeline.sim.api.requests.filter((request) => request.path.endsWith('/details'));
  t.equal(fetches.length, 1, 'one API call');
});

void t.test('redelivered webhooks cause no extra snapshots', async (t) => {
  const pipeline = await startPipeline(t);
  const { processor } = pipeline.start();
  await pipeline.send({ journeys: ['onboarding', 'alert', 'kyc-failure'], redeliver: true });
  await untilCaughtUp(processor, pipeline.ingress.store);
  const log = await readWholeLog(pipeline.ingress.store);
  const customerEvents = log.filter(isCustomerWebhookEvent);
  // onboarding 5, alert 4 (its alert events live in the alert stream), kyc-failure 3
  t.equal(customerEvents.length, 5 + 4 + 3, 'ingress stored each delivery once');
  await checkExactlyOnce(t, pipeline.ingress.store);
});

void t.test('a 404 is recorded as not-found with the body bytes, fetched once', async (t) => {
  const pipeline = await startPipeline(t);
  await pipeline.send({ journeys: ['deletion'] });
  const { processor } = pipeline.start();
  await untilCaughtUp(processor, pipeline.ingress.store);
  const snapshots = await checkExactlyOnce(t, pipeline.ingress.store);
  t.equal(snapshots.length, 1);
  const [notFound] = snapshots;
  t.equal(notFound!.type, NOT_FOUND_EVENT_TYPE);
  t.equal(notFound!.data.toString('utf8'), '{"error":"Customer not found"}');
  t.equal(notFound!.metadata.httpStatus, 404);
  t.equal(pipeline.sim.api.requests.length, 1, 'not retried');
});

void t.test(
  'an API outage stalls the processor, which then catches up skipping nothing',
  async (t) => {
    const pipeline = await startPipeline(t);
    pipeline.sim.api.setFaults({ rate5xx: 1 });
    const { processor } = pipeline.start();
    await pipeline.send({ journeys: ['onboarding', 'scenario', 'verification-flow'] });
    await waitFor(
      () => processor.status().retrying && pipeline.sim.api.requests.length >= 6,
      'the processor to retry through the outage',
    );
    const stalled = processor.status();
    t.equal(stalled.lastError?.type, 'unavailable');
    t.equal(stalled.eventsWritten, 0);
    t.equal(stalled.caughtUp, false);
    const firstCustomerEvent = (await readWholeLog(pipeline.ingress.store)).find(
      isCustomerWebhookEvent,
    )!;
    t.ok(
      stalled.checkpoint === undefined || stalled.checkpoint < firstCustomerEvent.position,
      'the checkpoint did not pass an unaccounted event',
    );

    pipeline.sim.api.setFaults({});
    await untilCaughtUp(processor, pipeline.ingress.store);
    await checkExactlyOnce(t, pipeline.ingress.store);
    t.equal(processor.status().retrying, false);
  },
);

void t.test('random 429s, 5xx and dropped connections lose and duplicate nothing', async (t) => {
  const pipeline = await startPipeline(t);
  pipeline.sim.api.setFaults({ rate429: 0.2, retryAfterSeconds: 0, rate5xx: 0.2, dropRate: 0.1 });
  const { processor } = pipeline.start();
  await pipeline.send({ journeys: ['onboarding', 'alert', 'scenario'], customers: 9 });
  await untilCaughtUp(processor, pipeline.ingress.store);
  await checkExactlyOnce(t, pipeline.ingress.store);
});

void t.test('status and metrics report fetches, lag and catching up', async (t) => {
  const pipeline = await startPipeline(t);
  await pipeline.send({ journeys: ['onboarding', 'deletion'], customers: 4 });
  const { processor, registry } = pipeline.start();
  await untilCaughtUp(processor, pipeline.ingress.store);
  const status = processor.status();
  t.match(status, {
    name: 'compilot-enrichment',
    running: true,
    caughtUp: true,
    lagEvents: 0,
    lagSeconds: 0,
    eventsWritten: 4,
  });
  const text = await registry.metrics();
  t.match(
    text,
    /compilot_ledger_enrichment_fetches_total\{processor="compilot-enrichment",outcome="details"\} 2/,
  );
  t.match(
    text,
    /compilot_ledger_enrichment_fetches_total\{processor="compilot-enrichment",outcome="not_found"\} 2/,
  );
  t.match(text, /compilot_ledger_enrichment_lag_events\{processor="compilot-enrichment"\} 0/);
  t.match(text, /compilot_ledger_enrichment_caught_up\{processor="compilot-enrichment"\} 1/);
  t.notOk(
    pipeline.logLines.some((line) => line.includes(pipeline.sim.apiKey)),
    'the API key is not logged',
  );
});

void t.test('lag is measured while the processor is behind', async (t) => {
  const pipeline = await startPipeline(t);
  pipeline.sim.api.setFaults({ rate5xx: 1 });
  await pipeline.send({ journeys: ['onboarding'], customers: 3 });
  const { processor } = pipeline.start({ batchSize: 5 });
  await waitFor(() => processor.status().lagEvents === 15, 'the lag to be measured');
  t.ok(processor.status().lagSeconds >= 0);
  pipeline.sim.api.setFaults({});
  await untilCaughtUp(processor, pipeline.ingress.store);
  t.equal(processor.status().lagEvents, 0);
});

void t.test('aborting the signal stops the processor and settles done', async (t) => {
  const pipeline = await startPipeline(t);
  const running = pipeline.start();
  await untilCaughtUp(running.processor, pipeline.ingress.store);
  t.equal(running.processor.status().running, true);
  await running.stop();
  t.equal(running.processor.status().running, false);
});

void t.test('a failed subscription is resumed from the checkpoint', async (t) => {
  const pipeline = await startPipeline(t);
  await pipeline.send({ journeys: ['onboarding', 'scenario'] });
  const real = pipeline.ingress.store;
  let subscriptions = 0;
  // A wrapper over the real store: its first subscription dies after one batch, as a
  // KurrentDB subscription can when the connection drops (the embedded store never does).
  const flaky: EventStore = {
    ...real,
    appendToStream: (...args) => real.appendToStream(...args),
    readStream: (...args) => real.readStream(...args),
    readAll: (...args) => real.readAll(...args),
    headPosition: () => real.headPosition(),
    async *subscribe(options) {
      subscriptions += 1;
      let batches = 0;
      for await (const batch of real.subscribe({ ...options, batchSize: 3 })) {
        yield batch;
        batches += 1;
        if (subscriptions === 1 && batches === 1) throw new StoreUnavailableError('dropped');
      }
    },
  };
  const { processor } = pipeline.start({ store: flaky });
  await untilCaughtUp(processor, real);
  t.ok(subscriptions >= 2, 'it subscribed again');
  t.equal(processor.status().lastError?.type, 'StoreUnavailableError');
  t.equal(processor.status().retrying, false);
  await checkExactlyOnce(t, real);
});
