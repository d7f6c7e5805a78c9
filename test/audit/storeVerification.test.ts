import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { recordPreLedgerEvents } from '../../src/ledger/backfill.js';
import { createCheckpointer } from '../../src/ledger/checkpointer.js';
import { generateSigningKeyBase64, parseSigningKey } from '../../src/ledger/signingKey.js';
import { verifyStore, type StoreProblem } from '../../src/audit/storeVerification.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { writePreLedgerStore } from '../fixtures/ledger/preLedgerStore.js';
import { tamperEvents } from '../helpers/auditHarness.js';

const key = parseSigningKey(generateSigningKeyBase64());

function preLedgerEvents() {
  return ['a', 'b', 'a'].map((stream, index) => ({
    stream,
    id: randomUUID(),
    type: 'test.happened',
    data: Buffer.from(JSON.stringify({ index })),
    metadata: { z: 1, a: [index] },
  }));
}

async function verify(store: Parameters<typeof verifyStore>[0], options = {}) {
  const problems: StoreProblem[] = [];
  const summary = await verifyStore(store, { ...options, onProblem: (p) => void problems.push(p) });
  return { summary, problems };
}

void t.test(
  'a store upgraded from before the ledger verifies, its old links computed',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    writePreLedgerStore(path, preLedgerEvents());
    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    await recordPreLedgerEvents(store);
    await store.appendToStream('a', [
      { id: randomUUID(), type: 'test.happened', data: Buffer.from('{}'), metadata: {} },
    ]);
    const checkpoint = (await createCheckpointer({ store, key }).checkpoint())!;
    t.match(checkpoint.chainedAfterTheFact, { count: 3, firstPosition: '00000000000000000001' });

    const { summary, problems } = await verify(store, {
      checkpoint: { checkpoint, earlier: [checkpoint], publicKey: key.publicKey },
    });
    t.same(problems, []);
    t.same(summary.links, { stored: 3, computed: 3 }, 'record, new event and checkpoint linked');
    t.equal(summary.checkpoint?.position, checkpoint.position);
  },
);

void t.test('an event without a link outside the recorded range is a failure', async (t) => {
  const path = join(t.testdir(), 'events.db');
  writePreLedgerStore(path, preLedgerEvents());
  const store = openSqliteEventStore({ path });
  t.teardown(() => store.close());
  await recordPreLedgerEvents(store);
  const id = randomUUID();
  await store.appendToStream('b', [
    { id, type: 'test.happened', data: Buffer.from('{}'), metadata: {} },
  ]);
  // DELIBERATE TAMPER: strip the new event's link, as if it predated the ledger.
  tamperEvents(path, 'UPDATE events SET link = NULL, data_sha256 = NULL WHERE id = ?', id);
  const { problems } = await verify(store);
  t.match(problems, [
    {
      kind: 'link',
      streamName: 'b',
      revision: 1,
      eventId: id,
      message:
        /no link and lies outside the chained-after-the-fact range \(00000000000000000001\.\.00000000000000000003\)/,
    },
    { kind: 'link', message: /record counts 3 events without a stored link, the store holds 4/ },
  ]);
});

void t.test('events without links and no chained-after-the-fact record are failures', async (t) => {
  const path = join(t.testdir(), 'events.db');
  writePreLedgerStore(path, preLedgerEvents());
  const store = openSqliteEventStore({ path });
  t.teardown(() => store.close());
  const { problems } = await verify(store);
  t.equal(problems.length, 3);
  t.match(problems[0], {
    kind: 'link',
    message: 'the event has no link and the store records no chained-after-the-fact range',
  });
});
