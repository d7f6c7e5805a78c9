/** The vocabulary query filters are checked against: stored event types and ComPilot enums. */
import {
  CUSTOMER_EVENT_TYPES,
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
  QUARANTINED_EVENT_TYPE,
  WEBHOOK_EVENT_TYPES,
} from '../events/types.js';

export const STORED_EVENT_TYPES: readonly string[] = [
  ...WEBHOOK_EVENT_TYPES,
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
  QUARANTINED_EVENT_TYPE,
];

/** Types that can appear in a customer stream. */
export const CUSTOMER_STREAM_EVENT_TYPES: readonly string[] = [
  ...CUSTOMER_EVENT_TYPES,
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
];

/** Enumerations from the ComPilot reference (compilot.md §3), for read-model filters. */
export {
  ALERT_STATUSES,
  CUSTOMER_STATUSES,
  RISK_SCORES,
  type AlertStatus,
  type CustomerStatus,
  type RiskScore,
} from '../compilot/comPilotTypes.js';
