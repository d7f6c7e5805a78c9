import type { IncomingHttpHeaders } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { Webhook, WebhookVerificationError } from 'svix';
import { HttpError } from '../http/httpError.js';

/** Why a delivery was refused with 401; also the `reason` label of the rejection metric. */
export type RejectionReason =
  | 'missing-headers'
  | 'invalid-timestamp'
  | 'timestamp-too-old'
  | 'timestamp-too-new'
  | 'no-matching-signature'
  | 'body-not-utf8';

/** The body as JSON, or why it is not JSON (a verified non-JSON body is quarantined). */
export type ParsedBody =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

export interface VerifiedDelivery {
  readonly svixId: string;
  readonly svixTimestamp: string;
  readonly svixSignature: string;
  readonly headerScheme: 'svix' | 'webhook';
  readonly body: ParsedBody;
}

/** Thrown for every refused delivery; answered 401 `{ error, reason }`. */
export class WebhookRejectedError extends HttpError {
  constructor(readonly reason: RejectionReason) {
    super(401, `webhook verification failed: ${reason}`, { details: { reason } });
    this.name = 'WebhookRejectedError';
  }
}

export type WebhookVerifier = (body: Buffer, headers: IncomingHttpHeaders) => VerifiedDelivery;

/**
 * Builds a verifier over the configured secrets (several during a rotation). A delivery passes
 * when any secret verifies its exact bytes; otherwise it throws {@link WebhookRejectedError}.
 * Secrets are checked at construction, so a malformed one fails the start, not a request.
 */
export function createWebhookVerifier(secrets: readonly string[]): WebhookVerifier {
  if (secrets.length === 0) throw new Error('at least one webhook secret is required');
  const webhooks = secrets.map((secret) => new Webhook(secret));

  return function verifyWebhook(body, headers) {
    const delivery = readSvixHeaders(headers);
    if (delivery === undefined) throw new WebhookRejectedError('missing-headers');
    // svix decodes the body as UTF-8 before signing it, replacing invalid sequences, so for a
    // non-UTF-8 body the signature would not cover the exact bytes we store. Svix only ever
    // sends UTF-8 (it signs a string), so such a body is refused rather than stored.
    if (!isUtf8(body)) throw new WebhookRejectedError('body-not-utf8');
    const text = body.toString('utf8');
    const svixHeaders = {
      'svix-id': delivery.svixId,
      'svix-timestamp': delivery.svixTimestamp,
      'svix-signature': delivery.svixSignature,
    };

    let reason: RejectionReason = 'no-matching-signature';
    for (const webhook of webhooks) {
      let value: unknown;
      try {
        // svix 1.x returns the parsed JSON, and throws JSON.parse's SyntaxError only after the
        // signature matched; 2.x returns undefined. Both are handled.
        value = webhook.verify(text, svixHeaders);
      } catch (error) {
        if (error instanceof SyntaxError) return { ...delivery, body: parseFailure(error) };
        if (!(error instanceof WebhookVerificationError)) throw error;
        reason = rejectionReason(error);
        // Timestamp problems are the same for every secret.
        if (reason !== 'no-matching-signature') break;
        continue;
      }
      return { ...delivery, body: value === undefined ? parseJson(text) : { ok: true, value } };
    }
    throw new WebhookRejectedError(reason);
  };
}

function readSvixHeaders(headers: IncomingHttpHeaders): Omit<VerifiedDelivery, 'body'> | undefined {
  const branded = headerValue(headers['svix-id']) !== undefined;
  // Like svix itself: each svix-* header falls back to its webhook-* twin on its own.
  const svixId = headerValue(headers['svix-id']) ?? headerValue(headers['webhook-id']);
  const svixTimestamp =
    headerValue(headers['svix-timestamp']) ?? headerValue(headers['webhook-timestamp']);
  const svixSignature =
    headerValue(headers['svix-signature']) ?? headerValue(headers['webhook-signature']);
  if (svixId === undefined || svixTimestamp === undefined || svixSignature === undefined) {
    return undefined;
  }
  return { svixId, svixTimestamp, svixSignature, headerScheme: branded ? 'svix' : 'webhook' };
}

/** Node gives string[] for some repeated headers; a repeated signature header is a list anyway. */
function headerValue(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(' ') : value;
  return joined === undefined || joined.trim() === '' ? undefined : joined;
}

function rejectionReason(error: WebhookVerificationError): RejectionReason {
  switch (error.message) {
    case 'Missing required headers':
      return 'missing-headers';
    case 'Invalid Signature Headers':
      return 'invalid-timestamp';
    case 'Message timestamp too old':
      return 'timestamp-too-old';
    case 'Message timestamp too new':
      return 'timestamp-too-new';
    default:
      return 'no-matching-signature';
  }
}

function parseJson(text: string): ParsedBody {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return parseFailure(error);
  }
}

function parseFailure(error: unknown): ParsedBody {
  return { ok: false, message: error instanceof Error ? error.message : String(error) };
}
