/**
 * How a reader recognises an event whose data was crypto-shredded: the decrypting store
 * (src/privacy/) hands it out with its metadata, link and hashes intact, empty data and
 * `encryption.state === 'erased'` (its customer's key is destroyed), instead of throwing, so
 * projections, queries and exports can skip or show it. Every reader asks this one function.
 */
import type { RecordedEvent } from '../store/eventStore.js';

interface MaybeEncrypted {
  readonly encryption?: { readonly state?: unknown; readonly plaintextSha256?: unknown };
}

export function isErasedEvent(event: RecordedEvent): boolean {
  return (event as MaybeEncrypted).encryption?.state === 'erased';
}

/** The plaintext's SHA-256 the covered metadata records for an encrypted event. */
export function plaintextSha256Of(event: RecordedEvent): string | undefined {
  const recorded = (event as MaybeEncrypted).encryption?.plaintextSha256;
  if (typeof recorded === 'string') return recorded;
  const { bodySha256 } = event.metadata;
  return typeof bodySha256 === 'string' ? bodySha256.toLowerCase() : undefined;
}
