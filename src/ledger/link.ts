/**
 * The per-stream hash chain ("link"), encoding version 1. Documented for auditors in
 * docs/ledger.md, with a test vector in test/ledger/link.test.ts; never change a shipped
 * version: add a new one.
 *
 *   link = hex(SHA-256(UTF-8(canonicalJson([
 *            "compilot-ledger/link/v1", stream, revision, eventId, type,
 *            dataSha256, metadata, previousLink ]))))
 *
 * - `revision` is a JSON number (0-based), `eventId` the lower-case UUID,
 * - `dataSha256` is the hex SHA-256 of the exact stored data bytes (a digest, so that a recorded
 *   erasure can later remove the bytes without breaking the chain),
 * - `metadata` is the event's metadata object without the {@link LEDGER_METADATA_KEY} entry,
 * - `previousLink` is the link of revision - 1 of the same stream, {@link GENESIS_LINK} for
 *   revision 0.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';

export const LINK_VERSION = 'compilot-ledger/link/v1';

/** The previous link of a stream's first event. */
export const GENESIS_LINK = '0'.repeat(64);

/**
 * Metadata key an adapter may use to store `{ link, dataSha256 }` next to the event (KurrentDB
 * has nowhere else to put them). Callers of the port never set it; appends that do are refused.
 */
export const LEDGER_METADATA_KEY = 'ledger';

export interface LinkInput {
  readonly streamName: string;
  readonly revision: bigint | number;
  readonly eventId: string;
  readonly type: string;
  readonly dataSha256: string;
  /** Metadata as canonical JSON (see {@link canonicalJson}), without the ledger key. */
  readonly metadataJson: string;
  readonly previousLink: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return hash('sha256', bytes, 'hex');
}

/** The exact bytes whose SHA-256 is the link: what an auditor recomputes by hand. */
export function linkPreimage(input: LinkInput): string {
  // Built by concatenation rather than canonicalJson(array): the metadata is already canonical,
  // and this runs once per appended event on the write path.
  return (
    `[${JSON.stringify(LINK_VERSION)},${JSON.stringify(input.streamName)},` +
    `${String(input.revision)},${JSON.stringify(input.eventId)},${JSON.stringify(input.type)},` +
    `${JSON.stringify(input.dataSha256)},${input.metadataJson},${JSON.stringify(input.previousLink)}]`
  );
}

export function computeLink(input: LinkInput): string {
  return sha256Hex(linkPreimage(input));
}

/** Metadata as the link covers it: canonical, without the ledger entry. */
export function coveredMetadataJson(metadata: Readonly<Record<string, unknown>>): string {
  if (!(LEDGER_METADATA_KEY in metadata)) return canonicalJson(metadata);
  const rest: Record<string, unknown> = { ...metadata };
  delete rest[LEDGER_METADATA_KEY];
  return canonicalJson(rest);
}
