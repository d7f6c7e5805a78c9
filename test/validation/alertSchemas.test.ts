/**
 * The alert event schemas (schemas/alert.*.json): the id they need, the fields that may be null
 * and the ones whose type is fixed.
 */
import t from 'tap';
import { errorPaths, fixture, schemas } from '../helpers/schemaValidation.js';

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
