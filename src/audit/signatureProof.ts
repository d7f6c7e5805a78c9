/**
 * Re-verifies a stored webhook delivery years after it arrived: the Svix signature is recomputed
 * over the stored raw bytes and the stored headers, with every configured secret, ignoring the
 * 5-minute freshness window (that window protects live ingress against replays; it says nothing
 * about whether stored evidence is authentic).
 *
 * Verdicts, precisely:
 * - `valid`: some configured secret reproduces one of the stored `v1,` signatures over the stored
 *   body, and the body still hashes to the `bodySha256` recorded at receipt.
 * - `invalid`: the stored evidence is inconsistent in itself, whatever the secrets: the body no
 *   longer hashes to the recorded `bodySha256` (it was altered after receipt), or the stored
 *   metadata lacks or garbles what a signature needs (id, timestamp, signature header, hash).
 * - `no-matching-secret`: the evidence is intact (body hash matches, headers well formed) but no
 *   configured secret reproduces any stored signature: it was signed with a secret that is not
 *   configured here (rotated out, or never ours). A tamper that also rewrote `bodySha256`
 *   consistently lands here too; both verdicts are failures for `compilot-ledger verify`.
 * - `erased`: the body was crypto-shredded (docs/retention.md); there is nothing left to check a
 *   signature over. verify accepts it only where an erasure record covers the event.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = 'valid' | 'invalid' | 'no-matching-secret' | 'erased';

export type SignatureReason =
  | 'body-sha256-mismatch'
  | 'metadata-incomplete'
  | 'malformed-signature-headers'
  | 'no-secret-configured'
  | 'signed-with-unknown-secret'
  | 'body-erased';

export interface SignatureProof {
  readonly verdict: SignatureVerdict;
  /** 0-based index of the configured secret that reproduced the signature (`valid` only). */
  readonly secretIndex?: number;
  /** Why the verdict is not `valid`. */
  readonly reason?: SignatureReason;
}

/** The parts of a stored event a proof needs. */
export interface StoredDelivery {
  readonly data: Uint8Array;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Checks stored deliveries against a fixed set of `whsec_` secrets. */
export type SignatureProver = (delivery: StoredDelivery) => SignatureProof;

const SECRET_PREFIX = 'whsec_';

/** True when the event carries webhook delivery metadata (webhooks, quarantined, replayed). */
export function isWebhookDelivery(delivery: StoredDelivery): boolean {
  return typeof delivery.metadata.svixId === 'string';
}

/**
 * Builds a prover for the given secrets (decoded once). Secrets are only held as HMAC keys and
 * never appear in a proof.
 */
export function createSignatureProver(secrets: readonly string[]): SignatureProver {
  const keys = secrets.map((secret) =>
    Buffer.from(
      secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
      'base64',
    ),
  );
  return (delivery) =>
    (delivery as { encryption?: { state?: unknown } }).encryption?.state === 'erased'
      ? { verdict: 'erased', reason: 'body-erased' }
      : prove(keys, delivery);
}

function prove(keys: readonly Buffer[], delivery: StoredDelivery): SignatureProof {
  const { svixId, svixTimestamp, svixSignature, bodySha256 } = delivery.metadata;
  if (
    typeof svixId !== 'string' ||
    typeof svixTimestamp !== 'string' ||
    typeof svixSignature !== 'string' ||
    typeof bodySha256 !== 'string'
  ) {
    return { verdict: 'invalid', reason: 'metadata-incomplete' };
  }
  const body = Buffer.from(delivery.data.buffer, delivery.data.byteOffset, delivery.data.length);
  const actualSha256 = createHash('sha256').update(body).digest('hex');
  if (!equalConstantTime(actualSha256, bodySha256.toLowerCase())) {
    return { verdict: 'invalid', reason: 'body-sha256-mismatch' };
  }
  // Same parsing as svix's verifier, so a proof agrees with what ingress accepted.
  const timestamp = parseInt(svixTimestamp, 10);
  const candidates = svixSignature
    .split(' ')
    .map((entry) => entry.split(','))
    .filter((parts) => parts[0] === 'v1' && typeof parts[1] === 'string' && parts[1] !== '')
    .map((parts) => parts[1] as string);
  if (svixId === '' || Number.isNaN(timestamp) || candidates.length === 0) {
    return { verdict: 'invalid', reason: 'malformed-signature-headers' };
  }
  if (keys.length === 0) return { verdict: 'no-matching-secret', reason: 'no-secret-configured' };

  const signed = signedContent(svixId, timestamp, body);
  let matched = -1;
  keys.forEach((key, index) => {
    const expected = createHmac('sha256', key).update(signed).digest('base64');
    // Every entry is compared with every key, so timing does not reveal which one matched.
    for (const candidate of candidates) {
      if (equalConstantTime(candidate, expected) && matched < 0) matched = index;
    }
  });
  return matched >= 0
    ? { verdict: 'valid', secretIndex: matched }
    : { verdict: 'no-matching-secret', reason: 'signed-with-unknown-secret' };
}

/**
 * `${id}.${timestamp}.${body}` over the exact stored bytes. Ingress refuses bodies that are not
 * UTF-8 (svix signs a decoded string), so for every stored delivery these bytes are what was
 * signed; a non-UTF-8 stored body cannot reproduce a sender's signature and is not made to.
 */
function signedContent(id: string, timestamp: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
}

function equalConstantTime(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Signature and hash lengths are public; only the content comparison must be constant-time.
  return left.length === right.length && timingSafeEqual(left, right);
}
