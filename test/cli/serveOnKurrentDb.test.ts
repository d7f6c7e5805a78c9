/**
 * The same service, selected onto the KurrentDB adapter by EVENT_STORE_URL alone. No KurrentDB
 * server can run here, so the store behind the URL is the in-memory gRPC double from
 * test/helpers/kurrentGrpcDouble (a FAKE server; the client library and adapter are real).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { send } from '../helpers/httpServer.js';
import { startKurrentGrpcDouble } from '../helpers/kurrentGrpcDouble/index.js';
import { listeningPort, notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';

const TOKEN = 'kurrent-e2e-token-0123456789';

void t.test(
  'serve runs unchanged on KurrentDB when EVENT_STORE_URL says so',
  { skip: notBuilt },
  async (t) => {
    const double = await startKurrentGrpcDouble();
    t.teardown(() => double.stop());
    const dir = t.testdir({});
    const secret = generateSecret();
    const service = spawnCli(
      ['serve'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        COMPILOT_WEBHOOK_SECRET: secret,
        EVENT_STORE_URL: double.connectionString,
        READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
        QUERY_API_TOKENS: TOKEN,
      },
      dir,
    );
    t.teardown(() => {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    });
    const port = await listeningPort(service);

    const bodies = WEBHOOK_EVENT_TYPES.map((type) =>
      readFileSync(new URL(`../fixtures/webhooks/${type}.json`, import.meta.url)),
    );
    const deliveries = bodies.map((body) => signDelivery({ secret, body }));
    for (const delivery of deliveries) {
      const answer = await send(port, '/webhooks/compilot', delivery);
      t.equal(answer.status, 200, `${delivery.msgId} stored`);
    }
    const again = await send(port, '/webhooks/compilot', deliveries[1]);
    t.equal(again.json().duplicate, true, 'a redelivery is a duplicate on KurrentDB too');
    const notJson = signDelivery({ secret, body: 'not json' });
    t.equal((await send(port, '/webhooks/compilot', notJson)).status, 200, 'quarantined, 2xx');

    // Claim streams (`ledger-id-…`) keep event ids store-wide unique on KurrentDB; not deliveries.
    const stored = double
      .events()
      .filter((e) => !e.streamName.startsWith('$') && !e.streamName.startsWith('ledger-id-'));
    t.equal(stored.length, bodies.length + 1, 'one event per delivery, nothing twice');
    // Encryption at rest: the server holds envelopes; the service gives back the exact bytes.
    for (const [i, body] of bodies.entries()) {
      const held = Buffer.from(stored[i]!.data);
      t.equal(held.subarray(0, 3).toString(), 'CLE', `${WEBHOOK_EVENT_TYPES[i]} stored encrypted`);
      t.equal(held.indexOf('eventType'), -1, 'no plaintext of the body in the stored bytes');
      const raw = await send(
        port,
        `/streams/${stored[i]!.streamName}/events/${stored[i]!.revision}/raw`,
        {
          method: 'GET',
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      );
      t.ok(raw.body.equals(body), `${WEBHOOK_EVENT_TYPES[i]} byte-exact through the service`);
    }
    t.equal(stored.at(-1)!.streamName, 'quarantine');

    // Projections follow the KurrentDB log through the adapter's catch-up subscription.
    const customerId = (JSON.parse(bodies[1]!.toString()) as { payload: { customerId: string } })
      .payload.customerId;
    let customer = { status: 0, body: '' };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const answer = await send(port, `/customers/${customerId}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      customer = { status: answer.status, body: answer.body.toString() };
      if (answer.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    t.equal(customer.status, 200, 'the read model was built from the KurrentDB log');
    t.match(JSON.parse(customer.body), { customerId, deleted: true });

    service.child.kill('SIGTERM');
    t.equal(await service.exited, 0, 'graceful stop disposes the client');
  },
);
