import { createHash, randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { openEnvelope } from '../../src/privacy/envelope.js';
import { PARALLEL_ENCRYPT_MIN_EVENTS, ParallelEncrypt } from '../../src/privacy/parallelEncrypt.js';
import type { DataKey } from '../../src/privacy/keyRecords.js';
import { InvalidAppendError, type NewEvent } from '../../src/store/eventStore.js';

const keys: DataKey[] = Array.from({ length: 5 }, (_, n) => ({
  subject: `c-${n}`,
  keyId: `key-${n}`,
  key: randomBytes(32),
}));

function event(n: number): NewEvent {
  return {
    id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    type: 'customer.updated',
    data: Buffer.from(JSON.stringify({ payload: { n, name: `Person ${n}` } })),
    metadata: { svixId: `msg_${n}` },
  };
}

/** Appends `count` events in one turn, each in its customer's stream. */
function turn(encrypting: ParallelEncrypt, from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const key = keys[n % keys.length]!;
    return {
      n,
      key,
      stream: `customer-${key.subject}`,
      sealed: encrypting.encrypt(`customer-${key.subject}`, event(n), key),
    };
  });
}

/** The stored form opens under its key and stream, and its metadata names the plaintext. */
async function checkSealed(t: Test, appended: ReturnType<typeof turn>): Promise<void> {
  for (const { n, key, stream, sealed } of appended) {
    const stored = await sealed;
    const plain = event(n);
    t.same(
      openEnvelope(key.key, stored.data, { eventId: plain.id, streamName: stream }),
      plain.data,
      `event ${n} opens to its plaintext`,
    );
    t.same(stored.metadata, {
      svixId: `msg_${n}`,
      encryption: {
        alg: 'A256GCM',
        subject: key.subject,
        keyId: key.keyId,
        plaintextSha256: createHash('sha256').update(plain.data).digest('hex'),
      },
    });
  }
}

void t.test(
  'a busy turn is sealed by the encrypt thread, as on the appending thread',
  async (t) => {
    const encrypting = new ParallelEncrypt();
    t.teardown(() => encrypting.close());
    const appended = turn(encrypting, 0, 20);
    await checkSealed(t, appended);
    t.equal(encrypting.eventsInThread, 20);
  },
);

void t.test('a quiet turn is sealed on the appending thread', async (t) => {
  const encrypting = new ParallelEncrypt();
  t.teardown(() => encrypting.close());
  const appended = turn(encrypting, 0, PARALLEL_ENCRYPT_MIN_EVENTS - 1);
  await checkSealed(t, appended);
  t.equal(encrypting.eventsInThread, 0);
});

void t.test('events are handed on in the order they were asked for, turn after turn', async (t) => {
  const encrypting = new ParallelEncrypt();
  t.teardown(() => encrypting.close());
  const order: number[] = [];
  const busy = turn(encrypting, 0, 12);
  // The next turn is quiet (sealed at once here) but must not overtake the busy one.
  await new Promise((resolve) => setImmediate(resolve));
  const quiet = turn(encrypting, 12, 1);
  await Promise.all([...busy, ...quiet].map(({ n, sealed }) => sealed.then(() => order.push(n))));
  t.same(
    order,
    Array.from({ length: 13 }, (_, n) => n),
  );
  t.equal(encrypting.eventsInThread, 12);
});

void t.test('the reserved metadata key is refused before anything is sealed', async (t) => {
  const encrypting = new ParallelEncrypt();
  t.teardown(() => encrypting.close());
  const claiming = { ...event(1), metadata: { encryption: { alg: 'none' } } };
  t.throws(() => encrypting.encrypt('customer-c-1', claiming, keys[1]!), InvalidAppendError);
});

void t.test('once the thread is gone, every turn is sealed on the appending thread', async (t) => {
  const encrypting = new ParallelEncrypt();
  await checkSealed(t, turn(encrypting, 0, 10));
  await encrypting.close();
  await checkSealed(t, turn(encrypting, 10, 10));
  t.equal(encrypting.eventsInThread, 10, 'only the turn before close');
});
