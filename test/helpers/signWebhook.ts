/**
 * Signs test deliveries with svix's own `Webhook.sign`, exactly as Svix does: over
 * `${id}.${timestamp}.${body}` with each secret, signatures joined by spaces.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'svix';

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface SignOptions {
  /** One secret, or several (every one signs, as during a rotation on the sender side). */
  readonly secret: string | readonly string[];
  readonly body: string | Buffer;
  /** @defaultValue a fresh `msg_<uuid>` */
  readonly msgId?: string;
  /** Seconds to move the signing time from now (negative = in the past). @defaultValue 0 */
  readonly offsetSeconds?: number;
  /** `svix-*` (default) or the unbranded `webhook-*` header names. */
  readonly scheme?: 'svix' | 'webhook';
  /** Entries placed before the real signatures (e.g. stale `v1,...` from an old key). */
  readonly extraSignatures?: readonly string[];
}

export interface SignedDelivery {
  readonly msgId: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function signDelivery(options: SignOptions): SignedDelivery {
  const msgId = options.msgId ?? `msg_${randomUUID()}`;
  const date = new Date(Date.now() + (options.offsetSeconds ?? 0) * 1000);
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  const signatures = secrets.map((secret) => new Webhook(secret).sign(msgId, date, body));
  const signature = [...(options.extraSignatures ?? []), ...signatures].join(' ');
  const timestamp = String(Math.floor(date.getTime() / 1000));
  return {
    msgId,
    timestamp,
    signature,
    body,
    headers: deliveryHeaders({ msgId, timestamp, signature }, options.scheme ?? 'svix'),
  };
}

export function deliveryHeaders(
  parts: { readonly msgId: string; readonly timestamp: string; readonly signature: string },
  scheme: 'svix' | 'webhook' = 'svix',
): Record<string, string> {
  return {
    'content-type': 'application/json',
    [`${scheme}-id`]: parts.msgId,
    [`${scheme}-timestamp`]: parts.timestamp,
    [`${scheme}-signature`]: parts.signature,
  };
}

/** A well-formed `v1,` entry that matches nothing (a signature from some other key). */
export function bogusSignature(): string {
  return `v1,${randomBytes(32).toString('base64')}`;
}
