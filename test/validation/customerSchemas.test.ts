/**
 * The customer event schemas (schemas/customer.*.json): which fields may be null or absent,
 * which must be present, and which ids have a format the vendor declares.
 */
import t from 'tap';
import { errorPaths, fixture, schemas } from '../helpers/schemaValidation.js';

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
