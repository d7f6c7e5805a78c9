import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';
import { ParallelSeal, SEAL_IN_PLACE } from '../../src/privacy/parallelSeal.js';
import { createReadModelSealer } from '../../src/privacy/readModelSealer.js';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.js';

const master = masterKeyOf(Buffer.from(TEST_ENCRYPTION_KEY, 'base64'));
const ERASED = Symbol('erased');
const SUBJECTS = Array.from({ length: 20 }, (_, n) => `c-${n}`);

async function keyStore(t: Test) {
  const keys = openKeyStore({ path: join(t.testdir({}), 'keys.db'), master });
  t.teardown(() => keys.close());
  for (const subject of SUBJECTS) await keys.keyForAppend(subject);
  return keys;
}

const value = (n: number) => `{"name":"Person ${n}","email":"p${n}@example.com"}`;

void t.test('values sealed in the thread open to what was submitted, in order', async (t) => {
  const keys = await keyStore(t);
  const sealer = createReadModelSealer(keys, master, ERASED);
  const batch = new ParallelSeal(keys);
  t.teardown(() => batch.close());
  const count = SEAL_IN_PLACE + 700;
  const tickets = Array.from({ length: count }, (_, n) =>
    batch.submit(SUBJECTS[n % SUBJECTS.length]!, 'customers.doc', value(n)),
  );
  t.ok(tickets.every((ticket) => typeof ticket === 'number'));
  const sealed = tickets.map((ticket) => batch.take(ticket as number));
  batch.end();
  t.ok(
    batch.sealedInThread >= count - SEAL_IN_PLACE - 128,
    `${batch.sealedInThread} in the thread`,
  );
  t.ok(sealed.every((s) => sealer.isSealed(s)));
  t.same(
    sealed.map((s, n) => sealer.open(SUBJECTS[n % SUBJECTS.length]!, 'customers.doc', s)),
    Array.from({ length: count }, (_, n) => value(n)),
  );
  t.throws(
    () => sealer.open(SUBJECTS[1]!, 'customers.doc', sealed[0]!),
    /authentication/,
    'a value opens only under its own customer',
  );
});

void t.test(
  'a key being erased still seals, a destroyed one shreds, and a subject without a key stays plaintext',
  async (t) => {
    const keys = await keyStore(t);
    const sealer = createReadModelSealer(keys, master, ERASED);
    const batch = new ParallelSeal(keys);
    t.teardown(() => batch.close());
    keys.beginErasure('c-3');
    keys.beginErasure('c-4');
    keys.destroy('c-4');
    const erasing = batch.submit('c-3', 'customers.doc', 'data');
    const destroyed = batch.submit('c-4', 'customers.doc', 'data');
    t.equal(batch.submit('never-keyed', 'customers.doc', 'data'), 'data');
    t.equal(sealer.open('c-3', 'customers.doc', batch.take(erasing as number)), 'data');
    const shredded = batch.take(destroyed as number);
    t.ok(sealer.isSealed(shredded));
    t.equal(sealer.open('c-4', 'customers.doc', shredded), ERASED);
    t.notOk(Buffer.from(shredded).includes('data'), 'nothing of the value is stored');
    batch.end();

    // The sealer's own (in place) path follows the same rules.
    t.equal(sealer.open('c-3', 'customers.doc', sealer.seal('c-3', 'customers.doc', 'x')), 'x');
    t.equal(sealer.open('c-4', 'customers.doc', sealer.seal('c-4', 'customers.doc', 'x')), ERASED);
    t.equal(sealer.seal('never-keyed', 'customers.doc', 'x'), 'x');
    keys.destroy('c-3');
    t.equal(sealer.open('c-3', 'customers.doc', sealer.seal('c-3', 'customers.doc', 'x')), ERASED);
  },
);

void t.test('tickets of an abandoned flush are void, the next flush starts afresh', async (t) => {
  const keys = await keyStore(t);
  const sealer = createReadModelSealer(keys, master, ERASED);
  const batch = new ParallelSeal(keys);
  t.teardown(() => batch.close());
  for (let n = 0; n < SEAL_IN_PLACE + 300; n++) batch.submit('c-1', 'customers.doc', value(n));
  batch.end();
  const ticket = batch.submit('c-2', 'customers.doc', value(7)) as number;
  t.equal(sealer.open('c-2', 'customers.doc', batch.take(ticket)), value(7));
  batch.end();
});

void t.test('without the thread, every value is sealed in place', async (t) => {
  const keys = await keyStore(t);
  const sealer = createReadModelSealer(keys, master, ERASED);
  const batch = new ParallelSeal(keys);
  batch.close();
  const tickets = Array.from({ length: SEAL_IN_PLACE * 3 }, (_, n) =>
    batch.submit('c-5', 'kyc_observations.doc', value(n)),
  );
  const opened = tickets.map((ticket) =>
    sealer.open('c-5', 'kyc_observations.doc', batch.take(ticket as number)),
  );
  t.same(
    opened,
    tickets.map((_, n) => value(n)),
  );
  t.equal(batch.sealedInThread, 0);
});
