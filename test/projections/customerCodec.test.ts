/**
 * The stored form of a customer state (projections/customerCodec.ts, the `customers.doc`
 * column) round-trips the states the fold gives.
 */
import t from 'tap';
import { decodeCustomer, encodeCustomer } from '../../projections/customerCodec.js';
import { foldCustomer } from '../../projections/customerState.js';
import { journey } from '../helpers/customerJourney.js';
import { fixture, recordedWebhook } from '../helpers/projectionEvents.js';

void t.test('the stored form of a state decodes to the same state', (t) => {
  const { created, updated, details } = journey();
  const scenario = recordedWebhook(fixture('send.scenario'), 'msg_s', 4);
  const deleted = recordedWebhook(fixture('customer.deleted'), 'msg_d', 5);
  for (const events of [
    [created],
    [created, updated, details, scenario],
    [scenario, deleted, details],
  ]) {
    const state = foldCustomer(events)!;
    t.same(decodeCustomer(encodeCustomer(state)), state);
  }
  t.end();
});
