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

/**
 * The stream a webhook body routes to (the customer's or the alert's), or undefined when the
 * body does not name one for its type. Ingress routes with the same rule after validation;
 * verify uses it to catch a signed event moved into another stream.
 */
export function webhookStreamOf(eventType: string, body: unknown): string | undefined {
  const payload = (body as { payload?: Record<string, unknown> } | null)?.payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  if (eventType.startsWith('alert.')) {
    return typeof payload.id === 'string' ? alertStream(payload.id) : undefined;
  }
  return typeof payload.customerId === 'string' ? customerStream(payload.customerId) : undefined;
}
