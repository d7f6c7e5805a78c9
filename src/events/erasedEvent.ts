/**
 * How a reader recognises an event whose data was crypto-shredded: the decrypting store
 * (src/privacy/) hands it out with its metadata, link and hashes intact, empty data and
 * `encryption.state === 'erased'` (its customer's key is destroyed), instead of throwing, so
 * projections, queries and exports can skip or show it. Every reader asks this one function.
 */
/** The part of a stored event this module reads (RecordedEvent has it). */
interface MaybeEncrypted {
  readonly encryption?: { readonly state: string; readonly plaintextSha256: string };
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function isErasedEvent(event: MaybeEncrypted): boolean {
  return event.encryption?.state === 'erased';
}

/** An encrypted event that decrypted (its data is the authenticated plaintext). */
export function isDecryptedEvent(event: MaybeEncrypted): boolean {
  return event.encryption?.state === 'decrypted';
}

/** The plaintext's SHA-256 the covered metadata records (encryption, else the webhook's). */
export function plaintextSha256Of(event: MaybeEncrypted): string | undefined {
  if (event.encryption !== undefined) return event.encryption.plaintextSha256;
  const { bodySha256 } = event.metadata;
  return typeof bodySha256 === 'string' ? bodySha256.toLowerCase() : undefined;
}
