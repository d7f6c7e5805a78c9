import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../src/events/types.js';
import { findSchemasDirectory, loadSchemaSet } from '../../src/validation/schemas.js';

const schemas = loadSchemaSet();

interface Body {
  readonly eventType: string;
  readonly payload: Record<string, unknown>;
}

function fixture(eventType: WebhookEventType): Body {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url), 'utf8'),
  ) as Body;
}

function errorPaths(eventType: WebhookEventType, body: unknown): string[] {
  const result = schemas.validate(eventType, body);
  return result.ok ? [] : result.errors.map((error) => error.path);
}

void t.test('every fixture validates against its own schema', (t) => {
  for (const eventType of WEBHOOK_EVENT_TYPES) {
    const body = fixture(eventType);
    t.equal(body.eventType, eventType, `${eventType} fixture names its type`);
    t.same(schemas.validate(eventType, body), { ok: true }, `${eventType} is valid`);
  }
  t.end();
});

void t.test('a body is checked against the schema of the type it is validated as', (t) => {
  const result = schemas.validate('customer.updated', fixture('customer.created'));
  t.equal(result.ok, false);
  t.same(errorPaths('customer.updated', fixture('customer.created')), ['/eventType']);
  t.end();
});

void t.test('the schema set has a version', (t) => {
  t.match(schemas.version, /^\d+\.\d+\.\d+$/);
  t.end();
});

void t.test('nullish customer fields accept null and absence', (t) => {
  const body = fixture('customer.updated');
  for (const field of [
    'externalCustomerId',
    'riskScore',
    'type',
    'onboardingLevel',
    'status',
    'updatedAt',
    'reason',
    'deletedBy',
    'deletedAt',
  ]) {
    t.same(
      errorPaths('customer.updated', { ...body, payload: { ...body.payload, [field]: null } }),
      [],
      `${field}: null`,
    );
    const absent = { ...body.payload };
    delete absent[field];
    t.same(errorPaths('customer.updated', { ...body, payload: absent }), [], `${field} absent`);
  }
  t.end();
});

void t.test('required customer fields, customerId above all, must be present', (t) => {
  const body = fixture('customer.deleted');
  for (const field of ['customerId', 'cmsProjectId', 'createdBy', 'updatedBy', 'id', 'createdAt']) {
    const payload = { ...body.payload };
    delete payload[field];
    const result = schemas.validate('customer.deleted', { ...body, payload });
    t.equal(result.ok, false, `${field} is required`);
    t.same(
      errorPaths('customer.deleted', { ...body, payload: { ...body.payload, [field]: null } })
        .length > 0,
      true,
      `${field} may not be null`,
    );
  }
  t.end();
});

void t.test('the customer id of customer events must be a UUID, as the vendor declares', (t) => {
  const body = fixture('customer.created');
  t.same(
    errorPaths('customer.created', {
      ...body,
      payload: { ...body.payload, customerId: 'cust_1' },
    }),
    ['/payload/customerId'],
  );
  t.end();
});

void t.test('ids whose format the vendor leaves open are not constrained', (t) => {
  const body = fixture('customer.created');
  const loose = {
    ...body.payload,
    id: 'anything at all',
    cmsProjectId: '42',
    createdBy: 'u:1',
    createdAt: '03/03/2025',
  };
  t.same(errorPaths('customer.created', { ...body, payload: loose }), []);
  const scenario = fixture('send.scenario');
  t.same(
    errorPaths('send.scenario', {
      ...scenario,
      payload: { ...scenario.payload, customerId: 'not-a-uuid', executionId: '7' },
    }),
    [],
    'scenario customerId is a plain string',
  );
  t.end();
});

void t.test('confirmed enums are enforced', (t) => {
  const customer = fixture('customer.updated');
  t.same(
    errorPaths('customer.updated', {
      ...customer,
      payload: { ...customer.payload, riskScore: 'Extreme' },
    }),
    ['/payload/riskScore'],
  );
  t.same(
    errorPaths('customer.updated', {
      ...customer,
      payload: { ...customer.payload, status: 'active' },
    }),
    ['/payload/status'],
  );
  t.same(
    errorPaths('customer.updated', {
      ...customer,
      payload: { ...customer.payload, status: 'No status', onboardingLevel: 'Questionaire' },
    }),
    [],
    'vendor spellings pass',
  );
  const alert = fixture('alert.updated');
  t.same(
    errorPaths('alert.updated', {
      ...alert,
      payload: { ...alert.payload, status: 'Under investigation' },
    }),
    ['/payload/status'],
    'the schema literal has a capital I',
  );
  const scenario = fixture('send.scenario');
  t.same(
    errorPaths('send.scenario', {
      ...scenario,
      payload: { ...scenario.payload, result: 'passed' },
    }),
    ['/payload/result'],
  );
  t.end();
});

void t.test('vendor additions anywhere in the body do not fail validation', (t) => {
  const body = fixture('alert.updated');
  const extended = {
    ...body,
    deliveredAt: '2025-03-04T15:02:12.000Z',
    payload: {
      ...body.payload,
      category: 'Onboarding',
      tags: [{ ...(body.payload.tags as object[])[0], colour: 'red' }],
    },
  };
  t.same(errorPaths('alert.updated', extended), []);
  t.end();
});

void t.test("alert payloads need an id; whether it is plausible is not the schema's call", (t) => {
  const body = fixture('alert.created');
  // The vendor accepts any string; the classifier quarantines an empty one as invalid-id.
  t.same(errorPaths('alert.created', { ...body, payload: { ...body.payload, id: '' } }), []);
  const payload = { ...body.payload };
  delete payload.id;
  t.equal(schemas.validate('alert.created', { ...body, payload }).ok, false);
  t.end();
});

void t.test('alert nullish fields accept null, tags must be an array', (t) => {
  const body = fixture('alert.created');
  const nulls = {
    ...body.payload,
    externalCustomerId: null,
    scenarioAlertCount: null,
    workflowName: null,
    workflowId: null,
    reason: null,
    updatedAt: null,
  };
  t.same(errorPaths('alert.created', { ...body, payload: nulls }), []);
  t.same(errorPaths('alert.created', { ...body, payload: { ...body.payload, tags: null } }), [
    '/payload/tags',
  ]);
  t.same(
    errorPaths('alert.created', { ...body, payload: { ...body.payload, workflowId: 'wf-1' } }),
    ['/payload/workflowId'],
    'workflowId is a uuid when present',
  );
  t.end();
});

void t.test('verification-flow externalCustomerId may be absent but not null', (t) => {
  const body = fixture('send.verification.flow');
  const absent = { ...body.payload };
  delete absent.externalCustomerId;
  t.same(errorPaths('send.verification.flow', { ...body, payload: absent }), []);
  t.same(
    errorPaths('send.verification.flow', {
      ...body,
      payload: { ...body.payload, externalCustomerId: null },
    }),
    ['/payload/externalCustomerId'],
  );
  t.same(
    errorPaths('send.verification.flow', { ...body, payload: { ...body.payload, address: null } }),
    [],
    'address is nullish',
  );
  t.end();
});

void t.test('provider results are checked by provider type', (t) => {
  const body = fixture('send.verification.flow');
  const withResult = (result: unknown[]) => ({ ...body, payload: { ...body.payload, result } });
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'chainalysis', data: { riskLevel: 'Severe' } }]),
    ),
    ['/payload/result/0/data/riskLevel'],
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([
        { type: 'ipQualityScore', data: { error: { error: 'UNKNOWN_ERROR', message: 'x' } } },
      ]),
    ),
    [],
    'an IPQS error form passes',
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([
        { type: 'ipQualityScore', data: { error: 'quota exceeded', emailVerification: null } },
        { type: 'integratedIpqualityscore', data: { error: null, ipVerification: null } },
        { type: 'ipQualityScore', data: { phoneVerification: null } },
      ]),
    ),
    [],
    'an IPQS error may be a string or null and each check may be null, as the vendor declares',
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'ipQualityScore', data: { error: 42, emailVerification: 'yes' } }]),
    ),
    [
      // anyOf reports each failed branch and then itself.
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/error',
    ],
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'complyAdvantage', data: { anything: [1, 2] } }]),
    ),
    [],
    'ComplyAdvantage data is unmapped',
  );
  t.same(errorPaths('send.verification.flow', withResult([{ type: 'newProvider', data: {} }])), [
    '/payload/result/0/type',
  ]);
  t.end();
});

void t.test('a body that is not an object fails with a message', (t) => {
  const result = schemas.validate('customer.created', [1, 2]);
  t.equal(result.ok, false);
  t.match(result, { errors: [{ path: '', message: 'must be object' }] });
  t.end();
});

void t.test('the schemas folder is found from a built module deep under dist', (t) => {
  const root = t.testdir({
    'package.json': '{}',
    schemas: { 'index.json': '{}' },
    dist: { src: { validation: { 'schemas.js': '' } } },
  });
  t.equal(
    findSchemasDirectory(join(root, 'dist/src/validation/schemas.js')),
    join(root, 'schemas'),
  );
  t.end();
});

void t.test('a schema set that misses an event type fails at load', (t) => {
  const dir = t.testdir();
  const source = findSchemasDirectory();
  const index = JSON.parse(readFileSync(join(source, 'index.json'), 'utf8'));
  delete index.eventTypes['alert.deleted'];
  mkdirSync(join(dir, 'schemas'));
  for (const file of [
    'common.json',
    ...Object.values(index.eventTypes as Record<string, string>),
  ]) {
    writeFileSync(join(dir, 'schemas', file), readFileSync(join(source, file)));
  }
  writeFileSync(join(dir, 'schemas', 'index.json'), JSON.stringify(index));
  t.throws(() => loadSchemaSet({ directory: join(dir, 'schemas') }), /no schema for alert.deleted/);
  t.end();
});
