// The KurrentDB adapter over the gRPC double (a test fake: no KurrentDB server runs here):
// positions, system events left out, and one event reading the same on every read path.
import t from 'tap';
import { freshStream, ids, newEvent, newEvents } from '../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../helpers/kurrentGrpcDouble/storeOverDouble.js';

void t.test('positions keep both commit and prepare parts and sort in log order', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const stream = freshStream();
  await store.appendToStream(stream, newEvents(3));
  await store.appendToStream(freshStream(), [newEvent()]);
  const read = await store.readAll();
  t.equal(read.length, 4, 'four events');
  t.ok(
    read.every((event) => /^\d{20}\/\d{20}$/.test(event.position)),
    'each position is "<commit>/<prepare>", 20 digits each',
  );
  const stored = new Map(double.events().map((event) => [event.id, event]));
  t.ok(
    read.every((event) => {
      const raw = stored.get(event.id)!;
      return event.position === `${pad(raw.commit)}/${pad(raw.prepare)}`;
    }),
    "each position is the server's commit and prepare position",
  );
  const [a, b, c] = read.map((event) => event.position.split('/'));
  t.equal(a![0], b![0], 'events written together share a commit position…');
  t.not(a![1], b![1], '…and differ by prepare position');
  t.strictSame(
    [...read.map((e) => e.position)].sort(),
    read.map((e) => e.position),
    'string order is log order',
  );
  const after = await store.readAll({ after: read[0]!.position });
  t.strictSame(
    ids(after),
    ids(read.slice(1)),
    'reading after a shared commit position uses prepare',
  );
  t.equal(c![0], a![0], 'the third event of the write shares it too');
});

function pad(value: bigint): string {
  return value.toString().padStart(20, '0');
}

void t.test('system events are left out of reads, the head and subscriptions', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const [one, two] = [newEvent(), newEvent()];
  await store.appendToStream(freshStream(), [one]);
  double.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollected');
  const result = await store.appendToStream(freshStream(), [two]);
  for (let i = 0; i < 70; i += 1) double.appendSystemEvent(`$$${freshStream()}`, '$metadata');
  t.strictSame(ids(await store.readAll()), [one.id, two.id], 'readAll skips them');
  t.strictSame(ids(await store.readAll({ maxCount: 1 })), [one.id], 'they take no page slots');
  t.equal(await store.headPosition(), result.position, 'the head is the last event of ours');
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const delivered = [];
  for await (const batch of store.subscribe({ signal: controller.signal })) {
    delivered.push(...batch.events);
    if (batch.caughtUp) break;
  }
  t.strictSame(ids(delivered), [one.id, two.id], 'subscriptions skip them');
});

void t.test(
  'an event reads the same through the read bridge and through a subscription',
  async (t) => {
    const { store } = await storeOverDouble(t);
    const stream = freshStream();
    await store.appendToStream(stream, newEvents(2));
    const controller = new AbortController();
    t.teardown(() => controller.abort());
    const subscribed = [];
    for await (const batch of store.subscribe({ signal: controller.signal })) {
      subscribed.push(...batch.events);
      if (batch.caughtUp) break;
    }
    t.strictSame(subscribed, await store.readStream(stream), 'readStream and subscribe agree');
    t.strictSame(subscribed, await store.readAll(), 'readAll agrees too');
    t.ok(
      subscribed.every((event) => event.recordedAt.getMilliseconds() === 0),
      'recordedAt has whole-second precision on every path',
    );
  },
);
