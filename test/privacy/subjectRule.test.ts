import t from 'tap';
import { subjectOf } from '../../src/privacy/subjectRule.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

void t.test('every event of a customer stream belongs to that customer', async (t) => {
  t.equal(subjectOf('customer-c-1', 'customer.created', body({})), 'c-1');
  t.equal(subjectOf('customer-c-1', 'compilot.customer.details', Buffer.from('not json')), 'c-1');
});

void t.test('alerts and quarantine entries belong to the customer their body names', async (t) => {
  const alert = body({ eventType: 'alert.created', payload: { id: 'a-1', customerId: 'c-9' } });
  t.equal(subjectOf('alert-a-1', 'alert.created', alert), 'c-9');
  t.equal(subjectOf('quarantine', 'quarantined', alert), 'c-9');
  t.equal(subjectOf('alert-a-1', 'alert.created', body({ payload: { id: 'a-1' } })), undefined);
});

void t.test('bodies naming no customer and non-customer streams stay plaintext', async (t) => {
  t.equal(subjectOf('quarantine', 'quarantined', Buffer.from('{not json')), undefined);
  t.equal(subjectOf('quarantine', 'quarantined', body({ payload: { customerId: 7 } })), undefined);
  t.equal(
    subjectOf('ledger-checkpoints', 'ledger.checkpoint', body({ payload: { customerId: 'c' } })),
    undefined,
  );
  t.equal(subjectOf('reconciliation', 'reconciliation.started', body({})), undefined);
});
