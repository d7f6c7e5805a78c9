import { randomBytes } from 'node:crypto';
import t from 'tap';
import { hashBytes } from '../../src/events/fnvHash.js';
import { decryptEvent, encryptEvent } from '../../src/privacy/encryptionMetadata.js';
import type { DataKey, KeyLookup } from '../../src/privacy/keyRecords.js';
import { PARALLEL_DECRYPT_MIN_EVENTS, ParallelDecrypt } from '../../src/privacy/parallelDecrypt.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';

const CUSTOMERS = 40;
const keys = new Map<string, DataKey>();
for (let n = 0; n < CUSTOMERS; n++) {
  const key: DataKey = { subject: `c-${n}`, keyId: `key-${n}`, key: randomBytes(32) };
  keys.set(key.keyId, key);
}
// c-0's key is destroyed; key-missing is named by an event but unknown to the key store.
const lookup = (keyId: string): KeyLookup => {
  if (keyId === 'key-0') return { state: 'destroyed', destroyedAt: '2026-01-01T00:00:00.000Z' };
  const key = keys.get(keyId);
  return key === undefined ? { state: 'missing' } : { state: 'active', key };
};

function recorded(n: number, streamName: string, data: Buffer, metadata = {}): RecordedEvent {
  return {
    streamName,
    revision: BigInt(n),
    position: String(n).padStart(20, '0'),
    id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    type: 'customer.updated',
    data,
    metadata,
    recordedAt: new Date(0),
  };
}

/** A page of `count` events: most encrypted, with every case decryptEvent distinguishes. */
function page(count: number, streamOf = (n: number) => `customer-c-${n % CUSTOMERS}`) {
  return Array.from({ length: count }, (_, n) => {
    const stream = streamOf(n);
    // Some names outside ASCII and Latin-1: the thread's text must still slice per event.
    const name = n % 5 === 0 ? `Zoë 北京 ${n}` : `Person ${n}`;
    const body = Buffer.from(JSON.stringify({ payload: { n, name } }));
    if (n % 50 === 7) return recorded(n, `alert-${n}`, body);
    const plain = recorded(n, stream, body);
    const key = keys.get(`key-${n % CUSTOMERS}`)!;
    const sealed = encryptEvent(stream, plain, key);
    let data = Buffer.from(sealed.data);
    let metadata: Record<string, unknown> = { ...sealed.metadata };
    if (n % 50 === 11) {
      data = Buffer.from(data);
      data[data.length - 20]! ^= 1; // a flipped ciphertext byte
    }
    if (n % 50 === 13) metadata = { ...metadata, encryption: { alg: 'A256GCM' } };
    if (n % 50 === 17) {
      const encryption = metadata.encryption as Record<string, unknown>;
      metadata = { ...metadata, encryption: { ...encryption, keyId: 'key-missing' } };
    }
    return recorded(n, stream, data, metadata);
  });
}

/** What a test compares: everything a reader sees of each event. */
const seen = (events: readonly RecordedEvent[]) =>
  events.map((e) => ({
    id: e.id,
    data: e.data.toString('hex'),
    state: e.encryption?.state,
    problem: e.encryption?.problem,
    stored: e.encryption?.storedData.toString('hex'),
  }));

void t.test(
  'a large page opened in the decrypt thread reads exactly as event by event',
  async (t) => {
    const events = page(3 * PARALLEL_DECRYPT_MIN_EVENTS);
    const decrypt = new ParallelDecrypt();
    t.teardown(() => decrypt.close());
    const expected = events.map((event) => decryptEvent(event, lookup));
    const states = new Set(expected.map((e) => e.encryption?.state ?? 'plaintext'));
    t.same([...states].sort(), ['decrypted', 'erased', 'plaintext', 'undecryptable']);
    const problems = new Set(expected.map((e) => e.encryption?.problem).filter(Boolean));
    t.equal(problems.size, 3, 'authentication, malformed metadata and a missing key');
    t.same(seen(await decrypt.decrypt(events, lookup)), seen(expected));
    t.equal(decrypt.pagesInThread, 1, 'the page went to the thread');
  },
);

void t.test(
  'the thread hands each plaintext over with its content hash and its UTF-8 text',
  async (t) => {
    const decrypt = new ParallelDecrypt();
    t.teardown(() => decrypt.close());
    const read = await decrypt.decrypt(page(2 * PARALLEL_DECRYPT_MIN_EVENTS), lookup);
    const opened = read.filter((e) => e.encryption?.state === 'decrypted');
    t.ok(opened.length > PARALLEL_DECRYPT_MIN_EVENTS);
    t.ok(opened.some((e) => e.data.toString('utf8').includes('北京')));
    for (const event of opened) {
      if (event.encryption?.plaintextFnv !== hashBytes(event.data)) {
        t.fail(`content hash of ${event.id}`);
      }
      if (event.encryption?.plaintextText !== event.data.toString('utf8')) {
        t.fail(`text of ${event.id}`);
      }
    }
    const unopened = read.filter((e) => e.encryption && e.encryption.state !== 'decrypted');
    t.ok(unopened.length > 0);
    for (const event of unopened) {
      t.equal(event.encryption?.plaintextText, undefined, `no text for ${event.id}`);
    }
    t.equal(decrypt.pagesInThread, 1);
  },
);

void t.test('pages read concurrently each get their own answer', async (t) => {
  const decrypt = new ParallelDecrypt();
  t.teardown(() => decrypt.close());
  const pages = [page(400), page(600), page(500)];
  const answers = await Promise.all(pages.map((events) => decrypt.decrypt(events, lookup)));
  for (const [i, events] of pages.entries()) {
    t.same(seen(answers[i]!), seen(events.map((event) => decryptEvent(event, lookup))));
  }
  t.equal(decrypt.pagesInThread, 3);
});

void t.test(
  'small pages and stream names holding NUL are opened on the reading thread',
  async (t) => {
    const decrypt = new ParallelDecrypt();
    t.teardown(() => decrypt.close());
    const small = page(PARALLEL_DECRYPT_MIN_EVENTS - 1);
    t.same(
      seen(await decrypt.decrypt(small, lookup)),
      seen(small.map((e) => decryptEvent(e, lookup))),
    );
    const nul = page(2 * PARALLEL_DECRYPT_MIN_EVENTS, (n) => `customer-c\u0000${n % CUSTOMERS}`);
    t.same(seen(await decrypt.decrypt(nul, lookup)), seen(nul.map((e) => decryptEvent(e, lookup))));
    t.equal(decrypt.pagesInThread, 0);
  },
);

void t.test('after the thread is closed, pages are still read, on this thread', async (t) => {
  const decrypt = new ParallelDecrypt();
  const events = page(2 * PARALLEL_DECRYPT_MIN_EVENTS);
  await decrypt.decrypt(events, lookup);
  await decrypt.close();
  t.same(
    seen(await decrypt.decrypt(events, lookup)),
    seen(events.map((e) => decryptEvent(e, lookup))),
  );
  t.equal(decrypt.pagesInThread, 1);
});

void t.test(
  'a page whose bytes share one buffer reads the same, and its plaintext events get their own',
  async (t) => {
    const events = page(2 * PARALLEL_DECRYPT_MIN_EVENTS);
    const buffer = Buffer.concat(events.map((e) => e.data));
    let at = 0;
    const shared = events.map((e) => {
      const data = buffer.subarray(at, at + e.data.length);
      at += e.data.length;
      return { ...e, data };
    });
    const decrypt = new ParallelDecrypt();
    t.teardown(() => decrypt.close());
    const read = await decrypt.decrypt(shared, lookup, true);
    t.same(seen(read), seen(events.map((e) => decryptEvent(e, lookup))));
    t.equal(decrypt.pagesInThread, 1);
    const plaintext = read.filter((e) => e.encryption === undefined);
    t.ok(plaintext.length > 0);
    t.ok(
      plaintext.every((e) => e.data.buffer !== buffer.buffer),
      'a plaintext event does not keep the page buffer alive',
    );
  },
);
