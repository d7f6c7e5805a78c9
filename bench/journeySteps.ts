/**
 * The synthetic log's journey steps (bench/rebuildLog.ts): from a customer's step number, the
 * onboarding levels, KYC approval or rejection, then alerts and ongoing-monitoring updates, and
 * the bodies (journeyBodies.ts) each sends. Separate from the scheduling that puts them in
 * delivery order, so the state machine reads on its own.
 */
import { customerStream } from '../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../src/events/types.js';
import {
  alert,
  customerPayload,
  detailsBody,
  scenario,
  verificationFlow,
  type Journey,
  type Produced,
} from './journeyBodies.js';

export const LEVELS = ['Sign-up', 'AML screening', 'KYC', 'Questionaire'];

/** The events of one journey step: a webhook, and a details snapshot after customer changes. */
export function advance(journey: Journey, random: () => number): Produced[] {
  const stream = customerStream(journey.customerId);
  const at = new Date(journey.time).toISOString();
  const customer = (eventType: string, reason: string | null): Produced[] => [
    {
      stream,
      type: eventType,
      body: { eventType, payload: customerPayload(journey, at, reason) },
    },
    { stream, type: DETAILS_EVENT_TYPE, body: detailsBody(journey, at) },
  ];
  const { step } = journey;
  if (step === 0) return customer('customer.created', null);
  if (step <= LEVELS.length) {
    journey.level = LEVELS[step - 1]!;
    if (journey.level === 'AML screening') return verificationFlow(journey, stream);
    if (journey.level === 'Questionaire') return scenario(journey, stream);
    return customer('customer.updated', null);
  }
  if (step === LEVELS.length + 1) {
    const failed = random() < 0.1;
    journey.level = failed ? 'KYC' : 'Onboarded';
    journey.status = failed ? 'Failed' : 'Active';
    journey.riskScore = failed ? null : 'Low';
    return customer(
      'customer.updated',
      failed ? 'User rejected by the KYC provider' : 'Rules engine verification passed',
    );
  }
  if (journey.alertId === undefined && random() < 0.3) {
    journey.alertId = `alrt_${journey.index.toString(36).padStart(12, '0')}`;
    return [alert(journey, 'alert.created', 'Open', at)];
  }
  if (journey.alertId !== undefined && random() < 0.3) {
    return [alert(journey, 'alert.updated', random() < 0.5 ? 'Under Investigation' : 'Closed', at)];
  }
  journey.riskScore = ['Low', 'Medium', 'High'][Math.floor(random() * 3)]!;
  journey.status = journey.riskScore === 'High' ? 'To be reviewed' : (journey.status ?? 'Active');
  return customer('customer.updated', 'AML screening hits received during ongoing monitoring');
}
