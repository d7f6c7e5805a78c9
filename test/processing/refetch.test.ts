import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createCompilotClient } from '../../src/compilot/client.js';
import { customerStream } from '../../src/events/streams.js';
import { createLogger } from '../../src/lib/logger.js';
import { refetchCustomers, type RefetchResult } from '../../src/processing/refetch.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { startServer } from '../helpers/httpServer.js';
import { addActiveCustomer, startSimulator } from '../helpers/simulatorHarness.js';
import { encryptedStore, eraseAtOnce, snapshotsAfterErasure } from '../helpers/encryptedStore.js';
import { appendWebhook, CUSTOMER_ID, detailsBody, fixture } from '../helpers/projectionEvents.js';

/** A real HTTP API on 127.0.0.1 answering with bytes no JSON encoder would produce. */
async function oddApi(t: Test, known: string) {
  const detailsBody = Buffer.from(`{ "id" : "${known}",\n  "status":"Active" , "name":"Zoë"  }\n`);
  const notFoundBody = Buffer.from('{"message" : "no such customer"}  ');
  const api = await startServer((req, res) => {
    const found = req.url === `/customers/${known}/details`;
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(found ? detailsBody : notFoundBody);
  });
  t.teardown(() => api.close());
  return { url: api.baseUrl, detailsBody, notFoundBody };
}

async function withHistory(store: EventStore, customerId: string): Promise<RecordedEvent> {
  await store.appendToStream(customerStream(customerId), [
    { id: randomUUID(), type: 'customer.updated', data: Buffer.from('{}'), metadata: {} },
  ]);
  const [event] = await store.readStream(customerStream(customerId));
  return event!;
}

/** What a refetch counted, in one object to compare. */
const counts = ({ details, notFound, skipped }: RefetchResult) => ({ details, notFound, skipped });

/** Refetches `ids` into `store` from the API at `baseUrl`. */
function refetchFrom(store: EventStore, baseUrl: string, apiKey: string, ids: string[]) {
  return refetchCustomers(ids, {
    store,
    client: createCompilotClient({ baseUrl, apiKey }),
    logger: createLogger('silent'),
    signal: new AbortController().signal,
  });
}

void t.test(
  'refetch records one details answer per known customer, byte-exact with its evidence, and 404 as not-found',
  async (t) => {
    const known = randomUUID();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const api = await oddApi(t, known);
    const store = openSqliteEventStore({ path: join(t.testdir({}), 'events.db') });
    t.teardown(() => store.close());
    const causes = [await withHistory(store, known), await withHistory(store, unknown)];
    const client = createCompilotClient({ baseUrl: api.url, apiKey: 'key' });
    const options = {
      store,
      client,
      logger: createLogger('silent'),
      signal: new AbortController().signal,
      clock: () => new Date('2030-01-02T03:04:05.000Z'),
    };

    const result = await refetchCustomers([known, unknown, randomUUID()], {
      ...options,
      runId: 'run-1',
    });
    t.same(
      counts(result),
      { details: 1, notFound: 1, skipped: 1 },
      'a customer with no stored event is skipped',
    );

    const [, details] = await store.readStream(customerStream(known));
    t.equal(details?.type, 'compilot.customer.details');
    t.ok(details?.data.equals(api.detailsBody), 'data is the API body exactly as received');
    t.strictSame(
      details?.metadata,
      {
        refetchRunId: 'run-1',
        fetchedAt: '2030-01-02T03:04:05.000Z',
        apiPath: `/customers/${known}/details`,
        httpStatus: 200,
        causationId: causes[0]!.id,
        causationPosition: causes[0]!.position,
      },
      'metadata names path, status, fetch time and the preceding event it follows',
    );
    const [, missing] = await store.readStream(customerStream(unknown));
    t.equal(missing?.type, 'compilot.customer.not-found');
    t.ok(missing?.data.equals(api.notFoundBody), 'the 404 body is kept byte-exact');
    t.match(missing?.metadata, { httpStatus: 404, causationId: causes[1]!.id });

    await refetchCustomers([known, unknown], { ...options, runId: 'run-1' });
    t.equal((await store.readAll()).length, 4, 'the same run retried writes nothing twice');
    await refetchCustomers([known], { ...options, runId: 'run-2' });
    const stream = await store.readStream(customerStream(known));
    t.equal(stream.length, 3, 'a new run is a new fact');
    t.equal(stream[2]!.metadata.causationId, details!.id, 'caused by the latest event then');
  },
);

void t.test('refetch stops taking customers once aborted', async (t) => {
  const sim = await startSimulator(t);
  const ids = [addActiveCustomer(sim.state), addActiveCustomer(sim.state)];
  const store = openSqliteEventStore({ path: join(t.testdir({}), 'events.db') });
  t.teardown(() => store.close());
  const stop = new AbortController();
  stop.abort();
  const result = await refetchCustomers(ids, {
    store,
    client: createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
    logger: createLogger('silent'),
    signal: stop.signal,
  });
  t.equal(result.details + result.notFound, 0);
  t.equal((await store.readAll()).length, 0);
});

void t.test(
  'refetch skips ids that are not plausible ComPilot ids without asking the API',
  async (t) => {
    const sim = await startSimulator(t);
    const known = addActiveCustomer(sim.state);
    const store = openSqliteEventStore({ path: join(t.testdir({}), 'events.db') });
    t.teardown(() => store.close());
    await withHistory(store, known);
    const result = await refetchFrom(store, sim.api.url, sim.apiKey, ['..', known, 'a/b']);
    t.same(counts(result), { details: 1, notFound: 0, skipped: 2 });
    t.same(
      sim.api.requests.map((request) => request.path),
      [`/customers/${known}/details`],
    );
    t.equal((await store.readAll()).length, 2, 'the history event and one snapshot');
  },
);

void t.test(
  'a customer erased while ComPilot answers its refetch is skipped, and nothing follows the erasure',
  async (t) => {
    const ledger = encryptedStore(t);
    const { store } = ledger;
    await appendWebhook(store, fixture('customer.created'), 'msg_1');
    // The officer erases the customer while the API is still answering.
    const api = await startServer(async (_req, res) => {
      await eraseAtOnce(ledger, CUSTOMER_ID);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(detailsBody()));
    });
    t.teardown(() => api.close());

    const result = await refetchFrom(store, api.baseUrl, 'key', [CUSTOMER_ID]);
    t.same(counts(result), { details: 0, notFound: 0, skipped: 1 });
    t.same(
      await snapshotsAfterErasure(store, CUSTOMER_ID),
      [],
      'the erasure record is there, and no details snapshot follows it',
    );
  },
);
