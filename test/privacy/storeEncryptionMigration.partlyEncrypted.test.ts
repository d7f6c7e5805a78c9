/**
 * encryptStore in-process on a store that is already partly encrypted and holds events from
 * before the ledger: only the plaintext events are re-encrypted and recorded, and verify
 * accepts the checkpoints before and after the migration.
 */
import { join } from 'node:path';
import t from 'tap';
import { verifyStore } from '../../src/audit/storeVerification.js';
import { loadConfig } from '../../src/config.js';
import { recordPreLedgerEvents } from '../../src/ledger/backfill.js';
import { generateSigningKeyBase64, parseSigningKey } from '../../src/ledger/signingKey.js';
import { createLogger } from '../../src/lib/logger.js';
import type { EncryptingEventStore } from '../../src/privacy/encryptingEventStore.js';
import { encryptStore } from '../../src/privacy/storeEncryptionMigration.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import { writePreLedgerStore } from '../fixtures/ledger/preLedgerStore.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

const eventId = (n: number) => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;
void t.test(
  'a partly encrypted store with events from before the ledger migrates, and verify accepts its old checkpoint',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    const body = (n: number) =>
      Buffer.from(
        JSON.stringify({ eventType: 'customer.updated', payload: { customerId: 'c-1', n } }),
      );
    // Revision 0 written before the ledger (no link), 1 encrypted at append, 2 appended plaintext;
    // not webhooks (no svix signature to prove here).
    writePreLedgerStore(path, [
      {
        stream: 'customer-c-1',
        id: eventId(1),
        type: 'test.fact',
        data: body(0),
        metadata: {},
      },
      { stream: 'notes', id: eventId(2), type: 'note', data: Buffer.from('{}'), metadata: {} },
    ]);
    const location = loadConfig({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${path}`,
    }).eventStore;
    const logger = createLogger('silent');
    const encrypted = openEventStore(location, logger);
    await recordPreLedgerEvents(encrypted);
    await encrypted.appendToStream('customer-c-1', [
      { id: eventId(3), type: 'test.fact', data: body(1), metadata: {} },
    ]);
    await encrypted.close();
    const plain = openSqliteEventStore({ path, writer: 'inline' });
    await plain.appendToStream('customer-c-1', [
      { id: eventId(4), type: 'test.fact', data: body(2), metadata: {} },
    ]);
    await plain.close();

    const signingKey = parseSigningKey(generateSigningKeyBase64());
    const outcome = await encryptStore({
      path,
      signingKey,
      openStore: () => {
        const store = openEventStore(location, logger) as EncryptingEventStore;
        return { store, keys: store.keys };
      },
    });
    if (outcome.kind !== 'encrypted') throw new Error(`not encrypted: ${outcome.kind}`);
    t.match(outcome.migration, {
      alreadyEncrypted: 1,
      reEncrypted: 2,
      streams: [
        {
          stream: 'customer-c-1',
          firstChangedRevision: 0,
          revisions: [
            [0, 0],
            [2, 2],
          ],
        },
      ],
    });

    const store = openEventStore(location, logger, { readOnly: true });
    const events = await store.readStream('customer-c-1');
    t.same(
      events.map((e) => [e.data.toString(), e.encryption?.state, e.link === undefined]),
      [
        [body(0).toString(), 'decrypted', true],
        [body(1).toString(), 'decrypted', false],
        [body(2).toString(), 'decrypted', false],
      ],
      'the same data, now all encrypted; the pre-ledger event still has no stored link',
    );
    for (const checkpoint of [outcome.before, outcome.after!]) {
      const problems: string[] = [];
      const summary = await verifyStore(store, {
        checkpoint: { checkpoint, earlier: [checkpoint], publicKey: signingKey.publicKey },
        onProblem: (p) => void problems.push(p.message),
      });
      t.same(problems, [], `verify --checkpoint at ${checkpoint.position}`);
      t.equal(summary.links.computed, 2, 'the two events from before the ledger');
    }
    await store.close();
  },
);
