import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config.js';
import {
  CHAINED_AFTER_THE_FACT,
  LEDGER_STREAM,
  recordPreLedgerEvents,
} from '../../src/ledger/backfill.js';
import { headLinkOf, recomputeLink } from '../../src/ledger/chain.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/service.js';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import { writePreLedgerStore, type PreLedgerEvent } from '../fixtures/ledger/preLedgerStore.js';
import { send } from '../helpers/httpServer.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

const body = readFileSync(
  join(import.meta.dirname, '../fixtures/webhooks/customer.updated.json'),
  'utf8',
);
const customerId = (JSON.parse(body) as { payload: { customerId: string } }).payload.customerId;

function oldEvents(): PreLedgerEvent[] {
  const old = (stream: string, n: number): PreLedgerEvent => ({
    stream,
    id: randomUUID(),
    type: 'customer.updated',
    data: Buffer.from(body + ' '.repeat(n)),
    metadata: { svixId: `msg_old_${n}`, receivedAt: '2026-01-02T03:04:05.000Z' },
  });
  return [
    old(`customer-${customerId}`, 1),
    old('customer-other', 2),
    old(`customer-${customerId}`, 3),
  ];
}

async function start(t: Test, dir: string, secret: string) {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    COMPILOT_WEBHOOK_SECRET: secret,
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
  });
  const service = await startService(config, createLogger('silent'));
  t.teardown(() => service.close());
  return service;
}

void t.test(
  'the first start on a store written before the ledger records, once, that its events were chained after the fact',
  async (t) => {
    const dir = t.testdir({});
    const secret = generateSecret();
    writePreLedgerStore(join(dir, 'events.db'), oldEvents());

    const service = await start(t, dir, secret);
    const stream = `customer-${customerId}`;
    const old = await service.store.readStream(stream);
    t.equal(old.length, 2, 'the old events still read');
    const records = await service.store.readStream(LEDGER_STREAM);
    t.strictSame(
      records.map((event) => event.type),
      [CHAINED_AFTER_THE_FACT],
      'one record in the ledger stream',
    );
    const record = JSON.parse(records[0]!.data.toString()) as Record<string, unknown>;
    const all = await service.store.readAll();
    t.match(
      record,
      {
        count: 3,
        firstPosition: all[0]!.position,
        lastPosition: all[2]!.position,
        streams: 2,
        chainedAt: String,
      },
      'it names how many events, where they lie and how many streams',
    );
    t.ok(records[0]!.link, 'the record itself is chained');

    const delivery = signDelivery({ secret, body });
    const stored = await send(service.port, '/webhooks/compilot', {
      body: delivery.body,
      headers: delivery.headers,
    });
    t.equal(stored.status, 200, 'a new delivery to the old stream is stored');
    const [, , appended] = await service.store.readStream(stream);
    t.equal(
      appended!.link,
      recomputeLink(appended!, headLinkOf(old)).link,
      'and links onto the head computed from the old events',
    );
    await service.close();

    const again = await start(t, dir, secret);
    t.equal(
      (await again.store.readStream(LEDGER_STREAM)).length,
      1,
      'a second start writes no second record',
    );
  },
);

void t.test('a store with no pre-ledger events gets no record', async (t) => {
  const store = createInMemoryEventStore();
  t.teardown(() => store.close());
  t.equal(await recordPreLedgerEvents(store), undefined, 'an empty store: nothing to record');
  await store.appendToStream('s', [
    { id: randomUUID(), type: 't', data: Buffer.from('x'), metadata: {} },
  ]);
  t.equal(await recordPreLedgerEvents(store), undefined, 'linked events: nothing to record');
  t.strictSame(await store.readStream(LEDGER_STREAM), [], 'no ledger stream');
});
