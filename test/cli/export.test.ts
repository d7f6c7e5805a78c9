import { Writable } from 'node:stream';
import t from 'tap';
import { CSV_COLUMNS, run } from '../../src/cli/export.js';
import {
  cliDeps,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  type AuditHarness,
} from '../helpers/auditHarness.js';

/** RFC 4180 reader, independent of the code under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

async function populate(h: AuditHarness): Promise<string[]> {
  const bodies = [
    JSON.stringify(fixtureBody('customer.created'), null, 2),
    JSON.stringify(fixtureBody('alert.created')),
    JSON.stringify(fixtureBody('customer.updated', { reason: 'says "hi", then\r\nleaves' })),
  ];
  for (const body of bodies) {
    const res = await h.deliver(body);
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
  }
  return bodies;
}

void t.test('export writes a stream or the whole log as NDJSON', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  const bodies = await populate(h);

  const deps = cliDeps(h.env());
  t.equal(await run(['--stream', `customer-${CUSTOMER_ID}`, '--format', 'ndjson'], deps), 0);
  const lines = deps
    .output()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(
    lines.map((l) => l.data),
    [bodies[0], bodies[2]],
    'the raw bodies, byte for byte',
  );
  t.match(lines[0], {
    stream: `customer-${CUSTOMER_ID}`,
    revision: 0,
    type: 'customer.created',
    metadata: { svixId: /^msg_/ },
  });

  const all = cliDeps(h.env());
  t.equal(await run(['--all'], all), 0, 'ndjson is the default');
  t.same(
    all
      .output()
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type),
    ['customer.created', 'alert.created', 'customer.updated'],
  );
});

void t.test(
  'export writes CSV that round-trips bodies with quotes, commas and newlines',
  async (t) => {
    const h = await startAuditHarness(t.testdir());
    t.teardown(() => h.close());
    const bodies = await populate(h);

    const deps = cliDeps(h.env());
    t.equal(await run(['--all', '--format', 'csv'], deps), 0);
    const [header, ...rows] = parseCsv(deps.output());
    t.same(header, [...CSV_COLUMNS]);
    t.equal(rows.length, 3);
    const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    t.same(
      rows.map((row) => row[column('body')]),
      bodies,
    );
    t.same(
      rows.map((row) => row[column('type')]),
      ['customer.created', 'alert.created', 'customer.updated'],
    );
    for (const row of rows) {
      t.match(row[column('svix_id')], /^msg_/);
      t.match(row[column('body_sha256')], /^[0-9a-f]{64}$/);
      t.match(JSON.parse(row[column('metadata')]!), { svixId: row[column('svix_id')] });
    }
  },
);

void t.test('export waits for a slow reader instead of buffering', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (let i = 0; i < 40; i++) await h.deliver(fixtureBody('customer.updated', { id: `wh_${i}` }));

  let drains = 0;
  const chunks: string[] = [];
  // A tiny buffer that accepts each write on a later tick: every write reports backpressure.
  const slow = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      setImmediate(callback);
    },
  });
  slow.on('drain', () => (drains += 1));
  const deps = { ...cliDeps(h.env()), stdout: slow };
  t.equal(await run(['--stream', `customer-${CUSTOMER_ID}`], deps), 0);
  t.equal(chunks.length, 40);
  t.ok(drains >= 39, `the export waited for the reader (${drains} drains)`);
});

void t.test('export refuses bad options with its usage', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (const args of [
    [],
    ['--all', '--stream', 'x'],
    ['--all', '--format', 'xml'],
    ['--all', 'extra'],
    ['--everything'],
  ]) {
    const deps = cliDeps(h.env());
    t.equal(await run(args, deps), 2, args.join(' '));
    t.match(deps.errors(), /usage: compilot-ledger export/);
  }
  const missing = cliDeps(h.env());
  t.equal(await run(['--stream', 'customer-nobody'], missing), 1, 'an absent stream is an error');
  t.equal(missing.output(), '', 'an absent stream exports nothing');
  t.match(missing.errors(), 'no stream named "customer-nobody" in the event store');
});
