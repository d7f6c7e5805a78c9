/**
 * The schema set as a whole (src/validation/schemas.ts and schemas/): found and loaded complete,
 * versioned, each body checked against the schema of the type it is validated as, every
 * fixture valid, the vendor's confirmed enums enforced and its additions let through. The
 * rules of each event family are in customerSchemas, alertSchemas and verificationFlowSchemas.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { findSchemasDirectory, loadSchemaSet } from '../../src/validation/schemas.js';
import { errorPaths, fixture, schemas } from '../helpers/schemaValidation.js';

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
