/**
 * `erase` killed with SIGKILL at each step of the protocol and at random times: a destroyed key
 * always has its erasure record; after the recovery every start of `erase` (and `serve`) runs,
 * either the key is gone and the record and markers are there, or neither (the data is
 * readable again); and the erasure then completes.
 */
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { customerStream } from '../../src/events/streams.js';
import {
  ERASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
  recordData,
  type ErasedData,
} from '../../src/events/retentionEvents.js';
import { isErasedEvent } from '../../src/events/erasedEvent.js';
import { createLogger } from '../../src/lib/logger.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import {
  addPerson,
  command,
  createLedger,
  deliverJourney,
  eventually,
  serve,
  type Ledger,
} from '../helpers/erasureJourney.js';

interface Observed {
  readonly record: boolean;
  readonly markers: number;
  readonly expectedMarkers: number;
  readonly key: string;
  readonly readable: boolean;
}

async function observe(ledger: Ledger, customerId: string): Promise<Observed> {
  const config = loadConfig(ledger.env());
  const store = openEventStore(config.eventStore, createLogger('silent'));
  try {
    const events = await store.readStream(customerStream(customerId));
    const record = events.find((e) => e.type === ERASED_EVENT_TYPE);
    const webhooks = events.filter((e) => !e.type.startsWith('ledger.'));
    return {
      record: record !== undefined,
      markers: events.filter((e) => e.type === KYC_PURGE_EVENT_TYPE).length,
      expectedMarkers: record === undefined ? 0 : recordData<ErasedData>(record).kyc.length,
      key: await subjectKeysOf(store)!.state(customerId),
      readable: webhooks.every((e) => !isErasedEvent(e) && e.data.length > 0),
    };
  } finally {
    await store.close();
  }
}

const STEPS = ['erasing', 'recorded', 'purged', 'destroyed'];

void t.test(
  'erase survives a SIGKILL at any step: either the key is gone and the record is there, or neither',
  { skip: notBuilt },
  async (t) => {
    const ledger = await createLedger(t);
    // Kill at each step's progress line, then at random times.
    const kills: (string | number)[] = [
      ...STEPS,
      ...[0, 1, 2, 3].map(() => Math.floor(Math.random() * 900)),
    ];
    const customers = kills.map(() => addPerson(ledger));
    const service = await serve(t, ledger);
    for (const customer of customers) {
      await deliverJourney(ledger, service.port, customer, {
        deletedAt: '2019-01-01T00:00:00.000Z',
      });
    }
    await eventually(async () => {
      for (const customer of customers) {
        const answer = await service.get(`/customers/${customer.id}`);
        if (answer.status !== 200 || answer.json().familyName !== customer.familyName) return false;
      }
      return true;
    }, 'every customer was enriched and projected');
    t.equal(await service.stop(), 0);

    for (const [index, kill] of kills.entries()) {
      const customer = customers[index]!;
      const what = typeof kill === 'string' ? `after step ${kill}` : `after ${kill} ms`;
      const cli = spawnCli(
        ['erase', customer.id, '--reason', 'retention period ended'],
        ledger.env(),
        ledger.dir,
      );
      if (typeof kill === 'string') {
        await eventually(
          () =>
            Promise.resolve(
              cli.stderr().includes(`erase: step ${kill}`) || cli.child.exitCode !== null,
            ),
          `step ${kill}`,
        );
      } else {
        await new Promise((resolve) => setTimeout(resolve, kill));
      }
      cli.child.kill('SIGKILL');
      await cli.exited;

      const crashed = await observe(ledger, customer.id);
      t.ok(
        crashed.key !== 'destroyed' || crashed.record,
        `${what}: a destroyed key has its record`,
      );

      // Recovery runs at every start of erase (here for a customer that does not exist).
      const recovery = await command(ledger, ['erase', 'no-such-customer', '--reason', 'recovery']);
      t.equal(recovery.code, 1);
      const recovered = await observe(ledger, customer.id);
      const done =
        recovered.record &&
        recovered.key === 'destroyed' &&
        recovered.markers === recovered.expectedMarkers;
      const untouched = !recovered.record && recovered.key === 'active' && recovered.readable;
      t.ok(
        done || untouched,
        `${what}: after recovery, all of the erasure or none of it (${JSON.stringify(recovered)})`,
      );

      const finished = await command(ledger, [
        'erase',
        customer.id,
        '--reason',
        'retention period ended',
      ]);
      t.equal(finished.code, 0, finished.stderr);
      const erased = await observe(ledger, customer.id);
      t.match(erased, { record: true, key: 'destroyed', readable: false }, `${what}: then erased`);
      t.equal(erased.markers, erased.expectedMarkers);
    }

    const verify = await command(ledger, ['verify', '--no-report']);
    t.equal(verify.code, 0, verify.stdout);
    t.match(verify.stdout, new RegExp(`covered by ${customers.length} erasure records`));
  },
);
