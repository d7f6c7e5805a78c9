/** Stream names are built only here, so every part of the service agrees on them. */

export const QUARANTINE_STREAM = 'quarantine';

/** Start, page checkpoint and end records of reconciliation runs (see src/reconcile/). */
export const RECONCILIATION_STREAM = 'reconciliation';

export function customerStream(customerId: string): string {
  return `customer-${customerId}`;
}

export function alertStream(alertId: string): string {
  return `alert-${alertId}`;
}

export type StreamCategory = 'customer' | 'alert' | 'quarantine' | 'other';

export function streamCategory(streamName: string): StreamCategory {
  if (streamName === QUARANTINE_STREAM) return 'quarantine';
  if (streamName.startsWith('customer-')) return 'customer';
  if (streamName.startsWith('alert-')) return 'alert';
  return 'other';
}

/** The id part of `customer-<id>` / `alert-<id>`. */
export function streamEntityId(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash < 0 ? streamName : streamName.slice(dash + 1);
}
