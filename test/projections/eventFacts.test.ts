/**
 * ComPilot's clock for an event (projections/eventFacts.ts), the time customer-state's
 * last-writer-wins compares.
 */
import t from 'tap';
import { comPilotTime } from '../../projections/eventFacts.js';
import { journey } from '../helpers/customerJourney.js';
import { fixture, recordedWebhook } from '../helpers/projectionEvents.js';

void t.test('comPilotTime reads ComPilot timestamps and falls back to the svix timestamp', (t) => {
  const { created, updated, details } = journey();
  t.equal(comPilotTime(created), '2025-03-03T09:14:02.118Z', 'created: createdAt');
  t.equal(comPilotTime(updated), '2025-03-03T09:21:40.512Z', 'updated: updatedAt');
  t.equal(comPilotTime(details), '2025-03-03T09:21:40.512Z', 'snapshot: its updatedAt');
  const deleted = recordedWebhook(fixture('customer.deleted', { updatedAt: null }), 'msg_d');
  t.equal(comPilotTime(deleted), '2025-06-10T12:00:00.000Z', 'deleted: deletedAt');
  const scenario = recordedWebhook(fixture('send.scenario'), 'msg_s');
  t.equal(comPilotTime(scenario), '2025-03-03T09:30:00.000Z', 'scenario: svix-timestamp');
  const alert = recordedWebhook(fixture('alert.updated'), 'msg_a');
  t.equal(comPilotTime(alert), '2025-03-04T15:02:11.730Z', 'alert: updatedAt');
  t.end();
});
