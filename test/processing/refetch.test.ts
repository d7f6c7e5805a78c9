import { join } from 'node:path';
import t from 'tap';
import { createCompilotClient } from '../../src/compilot/client.js';
import { customerStream } from '../../src/events/streams.js';
import { createLogger } from '../../src/lib/logger.js';
import { refetchCustomers } from '../../src/processing/refetch.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { addActiveCustomer, startSimulator } from '../helpers/simulatorHarness.js';

void t.test(
  'refetch records one details answer per known customer, and 404 as not-found',
  async (t) => {
    const sim = await startSimulator(t);
    const known = addActiveCustomer(sim.state);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const store = openSqliteEventStore({ path: join(t.testdir({}), 'events.db') });
    t.teardown(() => store.close());
    const client = createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey });
    const options = {
      store,
      client,
      logger: createLogger('silent'),
      signal: new AbortController().signal,
    };

    const result = await refetchCustomers([known, unknown], { ...options, runId: 'run-1' });
    t.same({ details: result.details, notFound: result.notFound }, { details: 1, notFound: 1 });

    const [details] = await store.readStream(customerStream(known));
    t.equal(details?.type, 'compilot.customer.details');
    t.equal(JSON.parse(details!.data.toString()).id, known, 'data is the API body');
    t.match(details?.metadata, {
      refetchRunId: 'run-1',
      httpStatus: 200,
      apiPath: `/customers/${known}/details`,
    });
    const [missing] = await store.readStream(customerStream(unknown));
    t.equal(missing?.type, 'compilot.customer.not-found');
    t.equal(missing?.metadata.httpStatus, 404);

    await refetchCustomers([known, unknown], { ...options, runId: 'run-1' });
    t.equal((await store.readAll()).length, 2, 'the same run retried writes nothing twice');
    await refetchCustomers([known], { ...options, runId: 'run-2' });
    t.equal((await store.readStream(customerStream(known))).length, 2, 'a new run is a new fact');
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
    const result = await refetchCustomers(['..', known, 'a/b'], {
      store,
      client: createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
      logger: createLogger('silent'),
      signal: new AbortController().signal,
    });
    t.same({ details: result.details, notFound: result.notFound }, { details: 1, notFound: 0 });
    t.same(
      sim.api.requests.map((request) => request.path),
      [`/customers/${known}/details`],
    );
    t.equal((await store.readAll()).length, 1);
  },
);
