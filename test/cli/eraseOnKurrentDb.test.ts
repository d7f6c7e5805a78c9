/**
 * The same erasure on KurrentDB, selected by EVENT_STORE_URL. No KurrentDB server can run here:
 * the store behind the URL is the in-memory gRPC double from test/helpers/kurrentGrpcDouble (a
 * FAKE server; the client library and the adapter are real). KurrentDB cannot delete an event
 * from a stream: the events stay, and their data becomes unreadable.
 */
import t from 'tap';
import { customerStream } from '../../src/events/streams.js';
import { startKurrentGrpcDouble } from '../helpers/kurrentGrpcDouble/index.js';
import { notBuilt } from '../helpers/serviceProcess.js';
import {
  addPerson,
  command,
  createLedger,
  deliverJourney,
  eventually,
  personalStrings,
  serve,
} from '../helpers/erasureJourney.js';

void t.test(
  'erase on KurrentDB keeps the events, makes their data unreadable and verifies',
  { skip: notBuilt },
  async (t) => {
    const double = await startKurrentGrpcDouble();
    t.teardown(() => double.stop());
    const ledger = await createLedger(t, { eventStoreUrl: double.connectionString });
    const customer = addPerson(ledger);
    const service = await serve(t, ledger);
    await deliverJourney(ledger, service.port, customer, { deletedAt: '2019-01-01T00:00:00.000Z' });
    await eventually(async () => {
      const answer = await service.get(`/customers/${customer.id}`);
      return answer.status === 200 && answer.json().familyName === customer.familyName;
    }, 'enrichment and projections on KurrentDB');
    const standing = async () =>
      (await service.get(`/customers/${customer.id}/retention`)).json<{ stage: string }>().stage;
    t.equal(await standing(), 'due', 'deleted in 2019: due, read through the KurrentDB adapter');
    const stream = customerStream(customer.id);
    const storedBefore = double.events().filter((e) => e.streamName === stream).length;

    const erased = await command(ledger, [
      'erase',
      customer.id,
      '--reason',
      'retention period ended',
      '--json',
    ]);
    t.equal(erased.code, 0, erased.stderr);
    // The record lists the customer stream's events and the alert's.
    const before = (JSON.parse(erased.stdout) as { events: number }).events - 1;
    await eventually(async () => {
      const answer = await service.get(`/customers/${customer.id}`);
      return answer.json<{ evidence: { erased?: unknown } }>().evidence.erased !== undefined;
    }, 'the projections applied the erasure');

    t.equal(await standing(), 'erased', 'the standing reads the erasure record');
    const status = await command(ledger, ['retention', 'status', customer.id]);
    t.match(status.stdout, /: erased\n/, status.stderr);
    const stored = double.events().filter((e) => e.streamName === stream);
    t.ok(stored.length > storedBefore, 'every event stays; the record and markers are appended');
    const trail = (await service.get(`/customers/${customer.id}/events?limit=100`)).json<{
      events: { type: string; erased?: boolean; body: string | null }[];
    }>();
    const data = trail.events.filter((e) => !e.type.startsWith('ledger.'));
    t.equal(
      data.length,
      before,
      `the trail still lists every event (${trail.events.map((e) => e.type).join(', ')})`,
    );
    t.ok(
      data.every((e) => e.erased === true && e.body === null),
      'each one shown as erased',
    );
    const text = JSON.stringify(
      await Promise.all([
        service.get(`/customers/${customer.id}`).then((a) => a.body.toString()),
        service.get(`/customers/${customer.id}/kyc-history`).then((a) => a.body.toString()),
        service.get(`/customers/${customer.id}/events?limit=100`).then((a) => a.body.toString()),
      ]),
    );
    t.same(
      personalStrings(customer).filter((s) => text.includes(s)),
      [],
      'no personal data in the answers',
    );

    const verify = await command(ledger, ['verify', '--no-report']);
    t.equal(verify.code, 0, verify.stdout);
    t.match(verify.stdout, /covered by 1 erasure record/);
    t.equal(await service.stop(), 0);
  },
);
