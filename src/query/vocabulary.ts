/** The vocabulary query filters are checked against: stored event types and ComPilot enums. */
import {
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
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'send.scenario',
  'send.verification.flow',
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
];

/** Enumerations from the ComPilot reference (compilot.md §3), for read-model filters. */
export const CUSTOMER_STATUSES = [
  'Active',
  'Rejected',
  'Dormant',
  'To be reviewed',
  'Failed',
  'Escalated',
  'Terminated',
  'No status',
] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const RISK_SCORES = ['Low', 'Medium', 'High', 'No risk'] as const;
export type RiskScore = (typeof RISK_SCORES)[number];

export const ALERT_STATUSES = [
  'Open',
  'Under Investigation',
  'Pending',
  'Closed',
  'Escalated',
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
