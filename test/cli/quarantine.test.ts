import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { run } from '../../src/cli/quarantine.js';
import { run as runVerify } from '../../src/cli/verify.js';
import { customerStream, QUARANTINE_STREAM } from '../../src/events/streams.js';
import { deliveryEventId } from '../../src/ingress/deliveryIdentity.js';
import { findSchemasDirectory, loadSchemaSet } from '../../src/validation/schemas.js';
import {
  cliDeps,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  type AuditHarness,
} from '../helpers/auditHarness.js';

/**
 * An older schema set (0.9.0) that did not know the vendor's "Questionaire" onboarding level:
 * deliveries carrying it were quarantined then, and pass the current schemas.
 */
function olderSchemas(dir: string) {
  const copy = join(dir, 'schemas-0.9.0');
  cpSync(findSchemasDirectory(), copy, { recursive: true });
  const common = join(copy, 'common.json');
  writeFileSync(common, readFileSync(common, 'utf8').replace('"Questionaire",', ''));
  const index = join(copy, 'index.json');
  writeFileSync(
    index,
    readFileSync(index, 'utf8').replace(/"version": "[^"]+"/, '"version": "0.9.0"'),
  );
  return loadSchemaSet({ directory: copy });
}

const questionnaire = JSON.stringify(
  fixtureBody('customer.updated', { onboardingLevel: 'Questionaire', status: 'To be reviewed' }),
);

async function quarantineThree(h: AuditHarness): Promise<void> {
  const bodies: [string, string][] = [
    [questionnaire, 'msg_questionaire'],
    ['{"eventType":"individual.created","payload":{}}', 'msg_unknown_type'],
    ['not json at all', 'msg_not_json'],
  ];
  for (const [body, msgId] of bodies) {
    const res = await h.deliver(body, { msgId });
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
  }
}

async function quarantine(h: AuditHarness, ...args: string[]) {
  const deps = cliDeps(h.env());
  const code = await run(args, deps);
  return { code, out: deps.output(), err: deps.errors() };
}

void t.test('quarantine list shows each delivery and what the current schemas say', async (t) => {
  const dir = t.testdir();
  const h = await startAuditHarness(dir, { schemas: olderSchemas(dir) });
  t.teardown(() => h.close());
  await quarantineThree(h);

  const { code, out } = await quarantine(h, 'list');
  t.equal(code, 0);
  const lines = out.trimEnd().split('\n');
  t.match(
    lines[0],
    /^\d+ {2}msg_questionaire {2}received 2030-01-01T00:00:00\.000Z {2}schema-invalid \(customer\.updated\) {2}-> replayable into customer-/,
  );
  t.match(
    out,
    /msg_unknown_type .* unknown-event-type \(individual\.created\) {2}-> still-invalid\n {4}\/eventType: eventType is not one this service handles/,
  );
  t.match(out, /msg_not_json .* not-json {2}-> still-invalid/);
  t.equal(
    lines.at(-1),
    `3 quarantined deliveries: 1 replayable, 2 still-invalid (schema set ${loadSchemaSet().version})`,
  );

  const json = await quarantine(h, 'list', '--json');
  const entries = json.out
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.match(entries, [
    {
      svixId: 'msg_questionaire',
      quarantineReason: 'schema-invalid',
      status: 'replayable',
      streamName: customerStream(CUSTOMER_ID),
    },
    { svixId: 'msg_unknown_type', status: 'still-invalid', errors: [{ path: '/eventType' }] },
    { svixId: 'msg_not_json', status: 'still-invalid' },
  ]);
});

void t.test(
  'quarantine replay appends what now passes, once, and keeps the original',
  async (t) => {
    const dir = t.testdir();
    // In the past: replay appends with the real clock, after the harness's deliveries.
    const h = await startAuditHarness(dir, {
      schemas: olderSchemas(dir),
      clockStart: '2020-01-01T00:00:00.000Z',
      // The replayed event is written encrypted by the CLI; the harness reads it the same way.
      encrypted: true,
    });
    t.teardown(() => h.close());
    await quarantineThree(h);
    const [original] = await h.store.readStream(QUARANTINE_STREAM);

    const dry = await quarantine(h, 'replay', '--dry-run');
    t.equal(dry.code, 0);
    t.match(dry.out, /msg_questionaire .* -> replayable/);
    t.same(await h.store.readStream(customerStream(CUSTOMER_ID)), [], 'a dry run appends nothing');

    const replay = await quarantine(h, 'replay');
    t.equal(replay.code, 0);
    t.match(replay.out, /msg_questionaire .* -> replayed into customer-\S+ at \d+/);
    t.match(replay.out, /3 quarantined deliveries: 1 replayed, 2 still-invalid/);

    const [replayed, ...more] = await h.store.readStream(customerStream(CUSTOMER_ID));
    t.equal(more.length, 0);
    t.equal(
      replayed!.id,
      deliveryEventId('msg_questionaire'),
      'the replayed event has the id ingress gives the delivery',
    );
    t.equal(replayed!.type, 'customer.updated');
    t.equal(replayed!.data.toString('utf8'), questionnaire, 'the original raw bytes');
    t.match(replayed!.metadata, {
      svixId: 'msg_questionaire',
      svixSignature: original!.metadata.svixSignature,
      bodySha256: original!.metadata.bodySha256,
      schemaVersion: loadSchemaSet().version,
      replayedFrom: { eventId: original!.id, position: original!.position },
    });
    t.notOk('quarantineReason' in replayed!.metadata);
    t.equal((await h.store.readStream(QUARANTINE_STREAM)).length, 3, 'the originals stay');

    const again = await quarantine(h, 'replay');
    t.match(again.out, /msg_questionaire .* -> already-replayed/);
    t.equal((await h.store.readStream(customerStream(CUSTOMER_ID))).length, 1, 'idempotent');

    // Projections pick the replayed event up like any delivery.
    await h.caughtUp();
    t.match((await h.get(`/customers/${CUSTOMER_ID}`)).json(), {
      onboardingLevel: 'Questionaire',
      status: 'To be reviewed',
    });
    // Its signature still proves it: same bytes, same headers.
    // --no-report: the summary file would otherwise land in the working directory's data/.
    const verify = cliDeps(h.env());
    t.equal(await runVerify(['--no-report'], verify), 0);
    t.match(verify.output(), 'signatures 4 valid');
  },
);

void t.test('a delivery that later arrived through ingress is not replayed again', async (t) => {
  const dir = t.testdir();
  const old = await startAuditHarness(dir, { schemas: olderSchemas(dir) });
  const secrets = old.secrets;
  await old.deliver(questionnaire, { msgId: 'msg_questionaire' });
  await old.close();
  // Restarted with the current schemas; Svix resends the same message.
  const h = await startAuditHarness(dir, { ingressSecrets: secrets });
  t.teardown(() => h.close());
  t.equal((await h.deliver(questionnaire, { msgId: 'msg_questionaire' })).status, 200);

  const { out } = await quarantine(h, 'replay');
  t.match(out, /msg_questionaire .* -> already-delivered/);
  t.equal((await h.store.readStream(customerStream(CUSTOMER_ID))).length, 1);
});

void t.test(
  'a delivery replayed from quarantine, then resent by Svix, is a duplicate',
  async (t) => {
    const dir = t.testdir();
    const old = await startAuditHarness(dir, { schemas: olderSchemas(dir), encrypted: true });
    const secrets = old.secrets;
    await old.deliver(questionnaire, { msgId: 'msg_questionaire' });
    await old.close();
    // Restarted with the current schemas: the operator replays, then Svix resends the message.
    const h = await startAuditHarness(dir, { ingressSecrets: secrets, encrypted: true });
    t.teardown(() => h.close());
    t.match((await quarantine(h, 'replay')).out, /msg_questionaire .* -> replayed/);
    const resent = await h.deliver(questionnaire, { msgId: 'msg_questionaire' });
    t.equal(resent.status, 200);
    t.match(resent.json(), { duplicate: true, stream: customerStream(CUSTOMER_ID) });
    t.equal((await h.store.readStream(customerStream(CUSTOMER_ID))).length, 1, 'stored once');
    t.match((await quarantine(h, 'replay')).out, /msg_questionaire .* -> already-replayed/);
  },
);

void t.test('quarantine refuses unknown actions and options', async (t) => {
  const dir = t.testdir();
  const h = await startAuditHarness(dir);
  t.teardown(() => h.close());
  for (const args of [
    [],
    ['purge'],
    ['list', 'extra'],
    ['list', '--dry-run'],
    ['replay', '--force'],
  ]) {
    const res = await quarantine(h, ...args);
    t.equal(res.code, 2, args.join(' '));
    t.match(res.err, /usage: compilot-ledger quarantine list/);
  }
  const empty = await quarantine(h, 'list');
  t.equal(empty.code, 0);
  t.equal(empty.out, `0 quarantined deliveries (schema set ${loadSchemaSet().version})\n`);
});
