/**
 * The ids of the records an erasure writes: derived from the customer (and the alert or KYC
 * observation), so a retried or recovered erasure finds what it wrote before.
 */
import { uuidv5 } from '../lib/uuidv5.js';

/** One erasure per customer: a retried or recovered erasure finds its own record. */
export function erasureEventId(customerId: string): string {
  return uuidv5(`${customerId}|erasure`);
}

export function alertPurgeEventId(customerId: string, alertId: string): string {
  return uuidv5(`${customerId}|erasure|alert|${alertId}`);
}

export function kycPurgeEventId(customerId: string, key: string): string {
  return uuidv5(`${customerId}|erasure|kyc|${key}`);
}

/**
 * The same offboarding given twice is one record, until a withdrawal: `withdrawals` (how many
 * the stream holds) makes the same offboarding given again after one a new record.
 */
export function offboardEventId(
  customerId: string,
  at: string,
  reason: string,
  withdrawals = 0,
): string {
  const round = withdrawals === 0 ? '' : `|after-withdrawal-${withdrawals}`;
  return uuidv5(`${customerId}|offboarded|${at}|${reason}${round}`);
}

/** The n-th withdrawal (from 0): a retried withdrawal finds the one it wrote. */
export function offboardingWithdrawalEventId(customerId: string, n: number): string {
  return uuidv5(`${customerId}|offboarding-withdrawn|${n}`);
}

/** The n-th hold record (placed or released, from 0): a retried command finds the one it wrote. */
export function retentionHoldEventId(customerId: string, n: number): string {
  return uuidv5(`${customerId}|retention-hold|${n}`);
}
