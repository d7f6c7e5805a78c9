// The KurrentDB adapter over the gRPC double (a test fake: no KurrentDB server runs here).
import { KurrentDBClient, NO_STREAM, jsonEvent } from '@kurrent/kurrentdb-client';
import t from 'tap';
import { EventIdInOtherStreamError } from '../../../src/store/eventStore.js';
import { uuidv5 } from '../../../src/lib/uuidv5.js';
import {
  freshStream,
  ids,
  newEvent,
  readAllAfter,
  rejectionOf,
} from '../../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../../helpers/kurrentGrpcDouble/storeOverDouble.js';

void t.test('each stored id has one claim stream, which reads never return', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const stream = freshStream();
  const event = newEvent();
  await store.appendToStream(stream, [event]);
  const claims = double.events().filter((stored) => stored.streamName.startsWith('ledger-id-'));
  t.strictSame(
    claims.map((claim) => claim.streamName),
    [`ledger-id-${event.id}`],
    'the id was claimed in a stream of its own before the event was written',
  );
  t.strictSame(ids(await readAllAfter(store, undefined)), [event.id], 'readAll skips claims');
  t.equal(
    await store.headPosition(),
    (await store.readStream(stream))[0]!.position,
    'the head is the event, not its claim',
  );
});

void t.test('a claim left by a crash before the event lets the retry proceed', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const stream = freshStream();
  const event = newEvent();
  // What a process killed between the claim and the event leaves behind.
  const client = KurrentDBClient.connectionString(double.connectionString);
  t.teardown(() => client.dispose());
  const claimStream = `ledger-id-${event.id}`;
  await client.appendToStream(
    claimStream,
    jsonEvent({
      id: uuidv5(`${claimStream}/${stream}`),
      type: 'ledger.id-claimed',
      data: { stream },
    }),
    { streamState: NO_STREAM },
  );
  const result = await store.appendToStream(stream, [event]);
  t.equal(result.duplicate, false, 'the retried append is written');
  t.strictSame(ids(await store.readStream(stream)), [event.id], 'the event is stored once');

  const error = await rejectionOf(t, store.appendToStream(freshStream(), [event]));
  t.type(error, EventIdInOtherStreamError, 'the claim still keeps the id out of other streams');
});

void t.test('two streams racing for one id: exactly one gets it', async (t) => {
  const { double, openAnother } = await storeOverDouble(t);
  const event = newEvent();
  const streams = Array.from({ length: 6 }, () => freshStream());
  const outcomes = await Promise.allSettled(
    streams.map((stream) => openAnother().appendToStream(stream, [event])),
  );
  t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'one append succeeded');
  t.ok(
    outcomes.every(
      (o) => o.status === 'fulfilled' || o.reason instanceof EventIdInOtherStreamError,
    ),
    'the others failed with EventIdInOtherStreamError',
  );
  t.equal(
    double.events().filter((stored) => stored.id === event.id).length,
    1,
    'the log holds the id once',
  );
});
