import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import t from 'tap';
import { createLogger } from '../../src/lib/logger.js';
import { openApiDocument } from '../../src/query/openapi.js';
import { createQueryRouter } from '../../src/query/router.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';
import {
  ALERT_ID,
  appendDetailsSnapshot,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  WALLET,
} from '../helpers/auditHarness.js';

const addFormats = addFormatsPlugin.default;
const DUE_ID = '4c3b2a19-0f8e-4d7c-9b6a-5f4e3d2c1b0a';

type Paths = Record<string, Record<string, { responses: Record<string, unknown> }>>;

void t.test('every route of the router is in the OpenAPI document and vice versa', (t) => {
  const dir = t.testdir();
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  const readModelDb = openReadModel(join(dir, 'readmodel.db'));
  t.teardown(async () => {
    readModelDb.close();
    await store.close();
  });
  const router = createQueryRouter({
    store,
    readModelDb,
    secrets: [],
    tokens: ['a-token-of-16-chars'],
    retentionDays: 1826,
    logger: createLogger('silent'),
  });
  const routed = new Set<string>();
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      // HEAD is added automatically for every GET.
      if (method !== 'HEAD')
        routed.add(`${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  const doc = openApiDocument();
  const documented = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Paths)) {
    for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  t.same([...routed].sort(), [...documented].sort());
  t.ok(routed.size >= 9, 'every route of the issue is there');
  t.equal(doc.openapi, '3.1.0');
  // Path parameters are declared wherever the path has them.
  for (const [path, item] of Object.entries(doc.paths as Paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = (
      (item.get as unknown as { parameters?: { in: string; name: string }[] }).parameters ?? []
    )
      .filter((p) => p.in === 'path')
      .map((p) => p.name);
    t.same(declared, names, `${path} declares its path parameters`);
  }
  t.end();
});

void t.test('every field of every real answer is declared in the OpenAPI document', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (const type of ['customer.created', 'customer.updated', 'send.scenario', 'alert.created']) {
    await h.deliver(fixtureBody(type));
  }
  // A run larger than the inline limit: lists show it with `body: null` and a rawUrl.
  const large = fixtureBody('send.verification.flow', { note: 'x'.repeat(70 * 1024) });
  await h.deliver(large);
  const created = (await h.store.readStream(`customer-${CUSTOMER_ID}`))[0]!;
  await appendDetailsSnapshot(
    h.store,
    CUSTOMER_ID,
    { id: created.id, position: created.position },
    {
      id: CUSTOMER_ID,
      status: 'Active',
      updatedAt: '2025-03-03T09:22:00.000Z',
      wallets: [{ address: WALLET, namespace: 'eip155', verified: true }],
      email: 'jane@example.com',
    },
    '2030-01-01T00:05:00.000Z',
  );
  // A customer deleted long ago: due for erasure at the harness's clock (2030).
  const createdAt = '2019-01-01T00:00:00.000Z';
  const deletedAt = '2020-01-01T00:00:00.000Z';
  await h.deliver(fixtureBody('customer.created', { customerId: DUE_ID, createdAt }));
  await h.deliver(fixtureBody('customer.deleted', { customerId: DUE_ID, deletedAt }));
  await h.caughtUp();

  const doc = (await h.get('/openapi.json', { token: null })).json();
  // Undeclared fields fail: every object schema that lists its properties allows only those.
  forbidUndeclared(doc);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const paths = doc.paths as Paths;
  const answered = new Set<string>();
  const check = async (path: string, status: number, accept?: string) => {
    const res = await h.get(path, accept ? { headers: { accept } } : {});
    t.equal(res.status, status, path);
    const template = Object.keys(paths).find((p) =>
      new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0]!),
    )!;
    if (status === 200) answered.add(template);
    const answer = paths[template]!.get!.responses[String(status)] as { $ref?: string };
    const media = status === 200 && accept ? accept : 'application/json';
    const base = answer.$ref
      ? answer.$ref.slice(1)
      : `/paths/${pointer(template)}/get/responses/${status}`;
    const validate = ajv.compile({ $ref: `openapi.json#${base}/content/${pointer(media)}/schema` });
    const bodies =
      media === 'application/x-ndjson'
        ? res.body
            .toString()
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as unknown)
        : [res.json()];
    for (const body of bodies) {
      t.ok(
        validate(body),
        `${path} (${status}) matches its schema ${ajv.errorsText(validate.errors)}`,
      );
    }
    return bodies[0] as Record<string, unknown>;
  };

  const customer = await check(`/customers/${CUSTOMER_ID}`, 200);
  t.match(customer, { evidence: { status: { content: /^[0-9a-f]{8}$/ } } });
  await check(`/customers/${CUSTOMER_ID}?asOf=2025-03-03T10:00:00Z`, 200);
  await check(`/customers/${CUSTOMER_ID}?asOf=2025-03-03&knownAt=2031-01-01`, 200);
  await check(`/customers/${CUSTOMER_ID}?knownAt=2020-01-01T00:00:00Z`, 404);
  await check(`/customers/${CUSTOMER_ID}/kyc-history`, 200);
  const firstEntry = await check(`/customers/${CUSTOMER_ID}/kyc-history?limit=1`, 200);
  await check(
    `/customers/${CUSTOMER_ID}/kyc-history?limit=1&cursor=${String(firstEntry.nextCursor)}`,
    200,
  );
  const trail = await check(`/customers/${CUSTOMER_ID}/events?verify=true`, 200);
  const elided = (trail.events as { body: string | null; rawUrl: string }[]).find(
    (e) => e.body === null,
  );
  t.ok(elided, 'the large run is listed without its body');
  const retention = await check(`/customers/${CUSTOMER_ID}/retention`, 200);
  t.match(retention, { stage: 'active', relationshipEnd: null, hold: null });
  await check(`/customers/${CUSTOMER_ID}/retention?at=2030-01-01`, 400);
  await check('/customers/nobody/retention', 404);
  const dueList = await check('/retention/due', 200);
  t.match(dueList, { dueCount: 1, due: [{ customerId: DUE_ID, source: 'customer.deleted' }] });
  await check('/retention/due?limit=0', 400);
  await check('/customers?status=Active', 200);
  await check(`/alerts/${ALERT_ID}`, 200);
  await check(`/alerts?customerId=${CUSTOMER_ID}`, 200);
  await check(`/wallets/${WALLET}/customer`, 200);
  await check('/events', 200);
  await check('/events', 200, 'application/x-ndjson');
  await check('/reconciliations', 200);
  await check('/reconciliations?limit=0', 400);
  await check('/customers?status=bad', 400);
  await check('/customers/nobody', 404);
  await check('/events', 406, 'text/html');
  await check('/streams/customer-nobody/events/0/raw', 404);
  await check('/streams/quarantine/events/x/raw', 400);

  // The raw route answers bytes, not JSON: its declared content is the stored body itself.
  const raw = await h.get(elided!.rawUrl);
  t.equal(raw.status, 200);
  t.equal(raw.headers['content-type'], 'application/json');
  t.same(JSON.parse(raw.body.toString('utf8')), large, 'the stored body');
  const rawAnswer = paths['/streams/{streamName}/events/{revision}/raw']!.get!.responses['200'];
  t.match(rawAnswer, { content: { '*/*': { schema: { format: 'binary' } } } });
  answered.add('/streams/{streamName}/events/{revision}/raw');
  answered.add('/openapi.json');
  t.same([...answered].sort(), Object.keys(paths).sort(), 'every route was walked');
});

/** Sets `additionalProperties: false` wherever an object schema lists its properties. */
function forbidUndeclared(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(forbidUndeclared);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  if (typeof schema.properties === 'object' && !('additionalProperties' in schema)) {
    schema.additionalProperties = false;
  }
  Object.values(schema).forEach(forbidUndeclared);
}

function pointer(path: string): string {
  return path.replace(/~/g, '~0').replace(/\//g, '~1');
}
