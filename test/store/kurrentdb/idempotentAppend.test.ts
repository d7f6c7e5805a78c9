// The KurrentDB adapter over the gRPC double (a test fake: no KurrentDB server runs here).
import { KurrentDBClient, binaryEvent } from '@kurrent/kurrentdb-client';
import t from 'tap';
import { headLinkOf, recomputeLink } from '../../../src/ledger/chain.js';
import { freshStream, newEvent } from '../../helpers/eventStoreContract/support.js';
import { storeOverDouble } from '../../helpers/kurrentGrpcDouble/storeOverDouble.js';

void t.test('links and digests are kept in metadata, which reads show without them', async (t) => {
  const { store, double } = await storeOverDouble(t);
  const stream = freshStream();
  await store.appendToStream(stream, [newEvent({ metadata: { receivedAt: 'x' } })]);
  const [read] = await store.readStream(stream);
  const [raw] = double.events().filter((stored) => stored.streamName === stream);
  const stored = JSON.parse(Buffer.from(raw!.customMetadata).toString()) as Record<string, unknown>;
  t.strictSame(
    stored,
    { receivedAt: 'x', ledger: { link: read!.link, dataSha256: read!.dataSha256 } },
    'the server holds the metadata with the ledger entry',
  );
  t.strictSame(read!.metadata, { receivedAt: 'x' }, 'the port returns it without');
});

void t.test(
  'a stream written before the ledger gets its head link computed from its whole content',
  async (t) => {
    const { store, double } = await storeOverDouble(t);
    const stream = freshStream();
    const client = KurrentDBClient.connectionString(double.connectionString);
    t.teardown(() => client.dispose());
    const old = [1, 2].map((n) =>
      binaryEvent({
        id: newEvent().id,
        type: 'customer.updated',
        data: Buffer.from(`{"n":${n}}`),
        metadata: Buffer.from(JSON.stringify({ svixId: `msg_${n}`, b: 1, a: 2 })),
      }),
    );
    await client.appendToStream(stream, old);
    const before = await store.readStream(stream);
    t.ok(
      before.every((event) => event.link === undefined),
      'old events carry no link',
    );
    await store.appendToStream(stream, [newEvent()], { expected: 1n });
    const after = await store.readStream(stream);
    t.equal(
      after[2]!.link,
      recomputeLink(after[2]!, headLinkOf(before)).link,
      'the new event links onto the chain recomputed from the old events',
    );
  },
);
