import { join } from 'node:path';
import t from 'tap';
import { projections } from '../../projections/index.js';
import { customerStateProjection } from '../../projections/customerState.js';
import type { Projection } from '../../projections/projection.js';
import { customerStream } from '../../src/events/streams.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { rebuildInThreads } from '../../src/projector/rebuildThreads.js';
import type { EventStore } from '../../src/store/eventStore.js';
import {
  findWalletOwners,
  getAlert,
  getCustomer,
  getKycHistory,
  listCustomers,
} from '../../src/readmodel/queries.js';
import {
  createHarness,
  countedEvents,
  countingProjection,
  dumpReadModel,
  reached,
  silent,
} from '../helpers/projectionHarness.js';
import {
  appendJourney,
  appendWebhook,
  CUSTOMER_ID,
  detailsBody,
  detailsEvent,
  fixture,
  webhookEvent,
} from '../helpers/projectionEvents.js';

const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';

void t.test('the runner follows the log into every projection and queries see it', async (t) => {
  // Given a running service-like runner over an empty log
  const h = createHarness(t);
  const runner = h.start({ projections });
  await runner.waitFor((s) => s.ready);
  // When a customer journey and an alert arrive
  await appendWebhook(h.store, fixture('customer.created'), 'msg_1');
  const updated = await appendWebhook(h.store, fixture('customer.updated'), 'msg_2');
  await appendWebhook(h.store, fixture('send.scenario'), 'msg_3');
  await appendWebhook(h.store, fixture('alert.created'), 'msg_4');
  await h.store.appendToStream(customerStream(CUSTOMER_ID), [
    detailsEvent(detailsBody(), [{ id: 'cause', position: updated.position }]),
  ]);
  const head = await h.store.headPosition();
  await runner.waitFor(reached(head));
  // Then every read model has it
  t.match(getCustomer(h.db, CUSTOMER_ID), {
    status: 'Active',
    riskScore: 'Low',
    name: 'Marie Dubois',
    openAlertCount: 1,
    alertCounts: { Open: 1 },
    lastEventPosition: head,
  });
  t.same(
    getKycHistory(h.db, CUSTOMER_ID).map((e) => e.kind),
    ['onboardingLevel', 'status', 'onboardingLevel', 'riskScore', 'scenario'],
  );
  t.match(getAlert(h.db, 'alrt_Zp3Xk8Rm2Qa1'), { status: 'Open', customerId: CUSTOMER_ID });
  t.match(findWalletOwners(h.db, EVM.toUpperCase().replace('0X', '0x')), [
    { customerId: CUSTOMER_ID, source: 'details' },
  ]);
  const status = runner.status();
  t.equal(status.ready, true);
  t.ok(status.projections.every((p) => p.caughtUp && p.lagSeconds === 0 && p.poisoned === null));
  t.equal(status.projections.find((p) => p.name === 'alerts')!.eventsApplied, 1);
});

void t.test('each event is applied exactly once across small batches and restarts', async (t) => {
  const h = createHarness(t);
  const counting = countingProjection();
  let runner = h.start({ projections: [counting], batchSize: 3 });
  for (let n = 0; n < 40; n++) {
    await appendWebhook(
      h.store,
      fixture('customer.updated', { customerId: `c-${n % 7}` }),
      `m-${n}`,
    );
    if (n === 20) {
      // Restart in the middle of the stream.
      await runner.stop();
      runner = h.start({ projections: [counting], batchSize: 3 });
    }
  }
  await runner.waitFor(reached(await h.store.headPosition()));
  const counted = countedEvents(h.db);
  t.equal(counted.total, 40, 'forty events, forty applications');
  t.equal(new Set(counted.positions).size, 40, 'no position twice');
});

/** Like the counting projection, but it cannot apply events whose payload says `explode`. */
function fragile(fixed: boolean): Projection {
  const base = countingProjection('fragile');
  return {
    ...base,
    evolve(state, event) {
      if (!fixed && event.data.toString('utf8').includes('"explode":true')) {
        throw new Error('cannot apply an exploding event');
      }
      return base.evolve(state as never, event);
    },
  };
}

void t.test('a poison event stops its projection, is recorded, and the others go on', async (t) => {
  const h = createHarness(t);
  const runner = h.start({ projections: [fragile(false), countingProjection()] });
  await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-1');
  const bad = await appendWebhook(
    h.store,
    fixture('customer.updated', { customerId: 'a', explode: true }),
    'bad',
  );
  await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-2');
  const head = await h.store.headPosition();
  await runner.waitFor(
    (s) => s.projections.find((p) => p.name === 'event-count')!.checkpoint === head,
  );

  const status = runner.status();
  const poisoned = status.projections.find((p) => p.name === 'fragile')!;
  t.match(poisoned.poisoned, {
    projection: 'fragile',
    position: bad.position,
    eventType: 'customer.updated',
    action: 'stopped',
    error: /cannot apply an exploding event/,
  });
  t.equal(status.ready, false, '/readyz reports it');
  t.not(poisoned.checkpoint, null);
  t.ok(poisoned.checkpoint! < bad.position, 'stopped before the poison event');
  t.equal(countedEvents(h.db, 'fragile').total, 1);
  t.equal(countedEvents(h.db).total, 3, 'the other projection applied everything');
  const rows = h.db.prepare('SELECT projection, position, action FROM projection_poison').all();
  t.same(rows, [{ projection: 'fragile', position: bad.position, action: 'stopped' }]);
});

void t.test('skip mode records the poison event and goes on', async (t) => {
  const h = createHarness(t);
  const runner = h.start({ projections: [fragile(false)], onError: 'skip' });
  await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-1');
  const bad = await appendWebhook(
    h.store,
    fixture('customer.updated', { customerId: 'a', explode: true }),
    'bad',
  );
  await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-2');
  await runner.waitFor(reached(await h.store.headPosition()));
  t.equal(countedEvents(h.db, 'fragile').total, 2);
  t.equal(runner.status().projections[0]!.poisoned, null);
  t.equal(runner.status().ready, true);
  const rows = h.db.prepare('SELECT position, action FROM projection_poison').all();
  t.same(rows, [{ position: bad.position, action: 'skipped' }]);
});

void t.test(
  'after a fix, a restart resumes from the checkpoint and applies the event once',
  async (t) => {
    const h = createHarness(t);
    const broken = h.start({ projections: [fragile(false)] });
    await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-1');
    await appendWebhook(
      h.store,
      fixture('customer.updated', { customerId: 'a', explode: true }),
      'bad',
    );
    await appendWebhook(h.store, fixture('customer.updated', { customerId: 'a' }), 'ok-2');
    await broken.waitFor((s) => s.projections[0]!.poisoned !== null);
    await broken.stop();

    // The fix ships with the same version: no rebuild, just a restart.
    const fixed = h.start({ projections: [fragile(true)] });
    await fixed.waitFor(reached(await h.store.headPosition()));
    const counted = countedEvents(h.db, 'fragile');
    t.equal(counted.total, 3);
    t.equal(new Set(counted.positions).size, 3);
    t.equal(fixed.status().projections[0]!.poisoned, null);
    t.same(
      h.db.prepare('SELECT * FROM projection_poison').all(),
      [],
      'the poison record is resolved',
    );
  },
);

void t.test('an undecodable webhook poisons the projections that read it', async (t) => {
  const h = createHarness(t);
  const runner = h.start({ projections });
  await h.store.appendToStream(customerStream(CUSTOMER_ID), [
    { ...webhookEvent({}, 'garbled'), type: 'customer.updated', data: Buffer.from('not json') },
  ]);
  await runner.waitFor((s) => s.projections.filter((p) => p.poisoned !== null).length === 2);
  t.same(
    runner
      .status()
      .projections.filter((p) => p.poisoned !== null)
      .map((p) => [p.name, p.poisoned!.error]),
    [
      [
        'customer-state',
        'UndecodableEventError: customer.updated event ' + uuid('garbled') + ' is not JSON',
      ],
      [
        'kyc-history',
        'UndecodableEventError: customer.updated event ' + uuid('garbled') + ' is not JSON',
      ],
    ],
  );
});

function uuid(svixId: string): string {
  return webhookEvent({}, svixId).id;
}

void t.test(
  'a version bump rebuilds the projection at start while the old tables answer',
  async (t) => {
    const h = createHarness(t);
    const v1 = h.start({ projections: [customerStateProjection] });
    for (let n = 0; n < 30; n++) {
      await appendWebhook(
        h.store,
        fixture('customer.updated', { customerId: `c-${n}`, status: 'Active' }),
        `m-${n}`,
      );
    }
    await v1.waitFor(reached(await h.store.headPosition()));
    await v1.stop();
    const before = listCustomers(h.db, { limit: 100 });
    t.equal(before.items.length, 30);

    const v2: Projection = {
      ...customerStateProjection,
      version: customerStateProjection.version + 1,
    };
    const runner = h.start({ projections: [v2], rebuildBatchSize: 4 });
    // Queries keep answering from version 1 until the switch.
    let answered = 0;
    while (runner.status().projections[0]!.servingVersion !== v2.version) {
      t.equal(listCustomers(h.db, { limit: 100 }).items.length, 30);
      answered += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await runner.waitFor(reached(await h.store.headPosition()));
    t.ok(answered > 0, 'queries were answered during the rebuild');
    t.same(listCustomers(h.db, { limit: 100 }), before, 'same answers from the new tables');
    const tables = h.db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'customers_v%'")
      .pluck()
      .all();
    t.same(
      tables,
      [`customers_v${v2.version}_g${runner.status().projections[0]!.servingGeneration}`],
      'old tables dropped',
    );
  },
);

void t.test(
  'an interrupted rebuild is resumed at start in worker threads, and then served',
  async (t) => {
    // Given a log and a rebuild of it that stopped before doing anything
    const h = createHarness(t);
    for (let n = 0; n < 10; n++) await appendJourney(h.store, n);
    const names = projections.map((p) => p.name);
    const options = {
      eventStore: { kind: 'sqlite', path: h.storePath } as const,
      readModelPath: h.readModelPath,
      logLevel: 'silent' as const,
    };
    const stop = new AbortController();
    stop.abort();
    const left = await rebuildInThreads({
      ...options,
      projections: names,
      threads: 2,
      signal: stop.signal,
    });

    // When the service's runner starts with threads for its background builds (its own store
    // counts full reads of the log: a build in this thread would make them)
    let logReads = 0;
    const store: EventStore = {
      ...h.store,
      readAll: (read) => {
        logReads += 1;
        return h.store.readAll(read);
      },
    };
    const runner = h.start({ projections, store, rebuildThreads: options });
    await runner.waitFor((status) =>
      status.projections.every(
        (p, i) => p.servingGeneration === left.results[i]!.generation && p.caughtUp,
      ),
    );

    // Then the generations left behind serve, equal to a fresh build
    const fresh = openReadModel(join(h.dir, 'fresh.db'));
    await rebuildProjections(projections, { store: h.store, db: fresh, logger: silent });
    t.same(dumpReadModel(h.db, projections), dumpReadModel(fresh, projections));
    fresh.close();
    t.match(getCustomer(h.db, 'cust-3'), { customerId: 'cust-3' });
    t.equal(logReads, 0, 'the build read the log in its threads, not here');
  },
);
