/**
 * The customer journey the customer-state tests fold, shared by the tests of the projection,
 * its per-field rules, its stored form and ComPilot's clock: the created webhook, the
 * KYC-approved update and the details fetched for that update, at log positions 1, 2 and 3.
 */
import { detailsBody, fixture, recordedDetails, recordedWebhook } from './projectionEvents.js';

/** The EVM wallet of the details fixture, as the snapshot spells it. */
export const EVM = '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b';

export function journey() {
  const created = recordedWebhook(fixture('customer.created'), 'msg_created', 1);
  const updated = recordedWebhook(fixture('customer.updated'), 'msg_updated', 2);
  const details = recordedDetails(detailsBody(), [updated], 3);
  return { created, updated, details };
}
