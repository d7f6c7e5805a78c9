/**
 * The decorator over each adapter: real SQLite files, the in-memory store, and the real
 * KurrentDB adapter against the gRPC double (a FAKE server: no KurrentDB can run here).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { EventStoreLocation } from '../../src/config.js';
import { deliveryEventId } from '../../src/ingress/deliveryIdentity.js';
import { createLogger } from '../../src/lib/logger.js';
import { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { masterKeyOf } from '../../src/privacy/masterKey.js';
import { verifyStore } from '../../src/audit/storeVerification.js';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { startKurrentGrpcDouble } from '../helpers/kurrentGrpcDouble/index.js';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.js';

const logger = createLogger('silent');
const NAME = 'Ada Lovelace-Byron';
const EMAIL = 'ada.secret@example.org';
const customerBody = Buffer.from(
  JSON.stringify({
    eventType: 'customer.created',
    payload: { customerId: 'c-1', name: NAME, email: EMAIL },
  }),
);
const alertBody = Buffer.from(
  JSON.stringify({
    eventType: 'alert.created',
    payload: { id: 'a-1', customerId: 'c-1', note: NAME },
  }),
);
const ledgerBody = Buffer.from('{"count":0}');

async function journey(store: EventStore): Promise<void> {
  await store.appendToStream('customer-c-1', [
    {
      id: deliveryEventId('msg_1'),
      type: 'customer.created',
      data: customerBody,
      metadata: { svixId: 'msg_1' },
    },
  ]);
  await store.appendToStream('alert-a-1', [
    {
      id: deliveryEventId('msg_2'),
      type: 'alert.created',
      data: alertBody,
      metadata: { svixId: 'msg_2' },
    },
  ]);
  await store.appendToStream('ledger', [
    {
      id: '00000000-0000-5000-8000-000000000003',
      type: 'ledger.note',
      data: ledgerBody,
      metadata: {},
    },
  ]);
}

async function checkReads(t: Test, store: EventStore): Promise<RecordedEvent[]> {
  const [customer] = await store.readStream('customer-c-1');
  t.same(customer?.data, customerBody, 'readStream gives the plaintext');
  t.equal(customer?.encryption?.state, 'decrypted');
  t.equal(customer?.encryption?.subject, 'c-1');
  t.match(customer?.metadata, { svixId: 'msg_1', encryption: { alg: 'A256GCM', subject: 'c-1' } });
  const all = await store.readAll();
  t.same(
    all.map((e) => e.data.toString()),
    [customerBody, alertBody, ledgerBody].map(String),
    'readAll too',
  );
  t.equal(all[1]?.encryption?.subject, 'c-1', "an alert is encrypted under its customer's key");
  t.equal(all[2]?.encryption, undefined, 'the ledger stream stays plaintext');
  const abort = new AbortController();
  const seen: string[] = [];
  for await (const batch of store.subscribe({ signal: abort.signal })) {
    seen.push(...batch.events.map((e) => e.data.toString()));
    if (seen.length >= 3) abort.abort();
  }
  t.same(seen, [customerBody, alertBody, ledgerBody].map(String), 'subscribe too');
  const problems: string[] = [];
  await verifyStore(store, { onProblem: (p) => void problems.push(`${p.kind}: ${p.message}`) });
  t.same(problems, [], 'verify passes: links over the stored bytes, tags, plaintext hashes');
  return all;
}

async function checkErasure(t: Test, store: EncryptingEventStore): Promise<void> {
  store.keys.beginErasure('c-1');
  store.keys.destroy('c-1');
  const all = await store.readAll();
  t.same(
    all.map((e) => e.encryption?.state),
    ['erased', 'erased', undefined],
    'reads mark erased events, never throw',
  );
  t.equal(all[0]?.data.length, 0, 'an erased event has no data');
  const problems: string[] = [];
  await verifyStore(store, { onProblem: (p) => void problems.push(`${p.kind}: ${p.message}`) });
  t.equal(
    problems.length,
    2,
    'verify fails erased events while no erasure record accounts for them',
  );
  t.match(problems[0], /^encryption: .*data key is destroyed/);
  t.notMatch(problems.join('\n'), /^link/m, 'the chain itself stays intact');
}

function encrypted(dir: string, location: EventStoreLocation): EventStoreLocation {
  return {
    ...location,
    encryption: { mode: 'on', masterKey: TEST_ENCRYPTION_KEY, keyStorePath: join(dir, 'keys.db') },
  };
}

/** An encrypted SQLite store in a test directory, and the path of its file. */
function encryptedSqlite(t: Test): { store: EncryptingEventStore; path: string } {
  const dir = t.testdir({});
  const path = join(dir, 'events.db');
  const store = openEventStore(encrypted(dir, { kind: 'sqlite', path }), logger);
  return { store: store as EncryptingEventStore, path };
}

void t.test(
  'over SQLite: the files hold ciphertext, readers get plaintext, erasure makes it unreadable',
  async (t) => {
    const { store, path } = encryptedSqlite(t);
    await journey(store);
    await checkReads(t, store);
    const files = [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f));
    const bytes = Buffer.concat(files);
    t.ok(bytes.includes('msg_1'), 'the search can find what is there (metadata stays plaintext)');
    for (const secret of [NAME, EMAIL])
      t.notOk(bytes.includes(secret), `no "${secret}" in the store files`);
    await checkErasure(t, store);
    await store.close();
  },
);

void t.test(
  'over SQLite: a busy turn of concurrent appends over six customers reads back as sent',
  async (t) => {
    const { store, path } = encryptedSqlite(t);
    t.teardown(() => store.close());
    const bodies = Array.from({ length: 24 }, (_, n) =>
      Buffer.from(
        JSON.stringify({
          eventType: 'customer.updated',
          payload: { customerId: `c-${n % 6}`, name: `${NAME} ${n}` },
        }),
      ),
    );
    // All in one turn, as concurrent deliveries arrive.
    await Promise.all(
      bodies.map((data, n) =>
        store.appendToStream(`customer-c-${n % 6}`, [
          {
            id: deliveryEventId(`msg_${n}`),
            type: 'customer.updated',
            data,
            metadata: { svixId: `msg_${n}` },
          },
        ]),
      ),
    );
    for (let c = 0; c < 6; c++) {
      const read = await store.readStream(`customer-c-${c}`);
      t.same(
        read.map((e) => e.data.toString()),
        bodies.filter((_, n) => n % 6 === c).map(String),
        `customer c-${c} reads back its deliveries, in order`,
      );
    }
    const bytes = Buffer.concat(
      [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f)),
    );
    t.notOk(bytes.includes(NAME), 'the files hold ciphertext');
    const problems: string[] = [];
    await verifyStore(store, { onProblem: (p) => void problems.push(p.message) });
    t.same(problems, [], 'verify finds every envelope and plaintext hash sound');
  },
);

void t.test(
  'an id given in upper case is sealed under the lower-case id the store records, alone or in a busy turn',
  async (t) => {
    const dir = t.testdir({});
    const stores: [string, EventStore & { close(): Promise<void> }][] = [
      ['SQLite', encryptedSqlite(t).store],
      [
        'in memory',
        new EncryptingEventStore(
          createInMemoryEventStore(),
          openKeyStore({
            path: join(dir, 'keys.db'),
            master: masterKeyOf(Buffer.from(TEST_ENCRYPTION_KEY, 'base64')),
          }),
        ),
      ],
    ];
    for (const [name, store] of stores) {
      t.teardown(() => store.close());
      const ids = Array.from({ length: 6 }, (_, n) => deliveryEventId(`msg_upper_${n}`));
      const append = (n: number) =>
        store.appendToStream('customer-c-1', [
          { id: ids[n]!.toUpperCase(), type: 'customer.updated', data: customerBody, metadata: {} },
        ]);
      await append(0);
      // Five in one turn, as concurrent deliveries arrive.
      await Promise.all([1, 2, 3, 4, 5].map(append));
      const read = await store.readStream('customer-c-1');
      t.same(
        read.map((e) => e.id).sort(),
        [...ids].sort(),
        `${name}: the ids are recorded in lower case`,
      );
      t.same(
        read.map((e) => e.encryption?.state),
        Array(6).fill('decrypted'),
        `${name}: every event opens`,
      );
      t.ok(
        read.every((e) => e.data.equals(customerBody)),
        `${name}: and reads back as sent`,
      );
    }
  },
);

void t.test('in memory: the same behaviour', async (t) => {
  const dir = t.testdir({});
  const store = new EncryptingEventStore(
    createInMemoryEventStore(),
    openKeyStore({
      path: join(dir, 'keys.db'),
      master: masterKeyOf(Buffer.from(TEST_ENCRYPTION_KEY, 'base64')),
    }),
  );
  t.teardown(() => store.close());
  await journey(store);
  const all = await checkReads(t, store);
  t.notOk(all[0]?.encryption?.storedData.includes(EMAIL), 'stored bytes are ciphertext');
  await checkErasure(t, store);
});

void t.test('over KurrentDB (gRPC double, a fake server): the same behaviour', async (t) => {
  const double = await startKurrentGrpcDouble();
  t.teardown(() => double.stop());
  const dir = t.testdir({});
  const store = openEventStore(
    encrypted(dir, { kind: 'kurrentdb', connectionString: double.connectionString }),
    logger,
  ) as EncryptingEventStore;
  t.teardown(() => store.close());
  await journey(store);
  await checkReads(t, store);
  const held = double
    .events()
    .filter((e) => !e.streamName.startsWith('$'))
    .map((e) => Buffer.from(e.data));
  t.ok(held.length >= 3);
  for (const secret of [NAME, EMAIL]) {
    t.notOk(
      held.some((data) => data.includes(secret)),
      `the server holds no "${secret}"`,
    );
  }
  await checkErasure(t, store);
});

void t.test('a caller cannot set the encryption metadata itself, on any stream', async (t) => {
  const dir = t.testdir({});
  const store = openEventStore(
    encrypted(dir, { kind: 'sqlite', path: join(dir, 'events.db') }),
    logger,
  );
  t.teardown(() => store.close());
  // A customer's event (sealed) and a ledger event (stored as it is): a plaintext event holding
  // the key would read back as an encrypted one that cannot be opened.
  for (const streamName of ['customer-c-1', 'ledger']) {
    await t.rejects(
      store.appendToStream(streamName, [
        {
          id: '00000000-0000-5000-8000-000000000009',
          type: 't',
          data: Buffer.from('{}'),
          metadata: { encryption: {} },
        },
      ]),
      /reserved for encryption at rest/,
      `refused on ${streamName}`,
    );
  }
  t.same(await store.readAll(), [], 'nothing was written');
});
