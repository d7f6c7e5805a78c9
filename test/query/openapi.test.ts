import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import t from 'tap';
import { createLogger } from '../../src/lib/logger.js';
import { openApiDocument } from '../../src/query/openapi.js';
import { createQueryRouter } from '../../src/query/router.js';
import { openReadModel } from '../../src/projections/readModelStore.js';
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

void t.test('real answers validate against the documented schemas', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  for (const type of ['customer.created', 'customer.updated', 'send.scenario', 'alert.created']) {
    await h.deliver(fixtureBody(type));
  }
  const created = (await h.store.readStream(`customer-${CUSTOMER_ID}`))[0]!;
  await appendDetailsSnapshot(
    h.store,
    CUSTOMER_ID,
    { id: created.id, position: created.position },
    { id: CUSTOMER_ID, status: 'Active', updatedAt: '2025-03-03T09:22:00.000Z' },
    '2030-01-01T00:05:00.000Z',
  );
  await h.caughtUp();

  const doc = (await h.get('/openapi.json', { token: null })).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const paths = doc.paths as Paths;
  const check = async (path: string, status: number, accept?: string) => {
    const res = await h.get(path, accept ? { headers: { accept } } : {});
    t.equal(res.status, status, path);
    const template = Object.keys(paths).find((p) =>
      new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0]!),
    )!;
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
  };

  await check(`/customers/${CUSTOMER_ID}`, 200);
  await check(`/customers/${CUSTOMER_ID}?asOf=2025-03-03T10:00:00Z`, 200);
  await check(`/customers/${CUSTOMER_ID}?knownAt=2020-01-01T00:00:00Z`, 200);
  await check(`/customers/${CUSTOMER_ID}/kyc-history`, 200);
  await check(`/customers/${CUSTOMER_ID}/events?verify=true`, 200);
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
});

function pointer(path: string): string {
  return path.replace(/~/g, '~0').replace(/\//g, '~1');
}
