/**
 * The signed checkpoint, format version 1 (documented in docs/ledger.md; never change a shipped
 * version: add a new one). One checkpoint is one canonical JSON object (keys sorted, no white
 * space, see canonicalJson.ts):
 *
 *   { "chainedAfterTheFact"?: { "count", "firstPosition", "lastPosition" },
 *     "createdAt": ISO-8601, "merkleRoot": hex, "position": store position (string),
 *     "previousHash": hex, "publicKeySha256": hex, "signature": base64,
 *     "streams": number, "version": "compilot-ledger/checkpoint/v1" }
 *
 * - `signature` is Ed25519 over the UTF-8 canonical JSON of every other field;
 * - `previousHash` is {@link checkpointHash} of the checkpoint before it in the
 *   `ledger-checkpoints` stream, {@link GENESIS_CHECKPOINT_HASH} for the first;
 * - `merkleRoot` is merkle.ts's root over every stream's (name, head revision, head link) as of
 *   `position` (inclusive), `streams` the number of those streams.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import { sha256Hex } from './link.js';
import type { SigningKey } from './signingKey.js';

export const CHECKPOINT_VERSION = 'compilot-ledger/checkpoint/v1';
export const CHECKPOINT_STREAM = 'ledger-checkpoints';
export const CHECKPOINT_EVENT_TYPE = 'ledger.checkpoint';
export const GENESIS_CHECKPOINT_HASH = '0'.repeat(64);

export interface ChainedRange {
  readonly count: number;
  readonly firstPosition: string;
  readonly lastPosition: string;
}

export interface UnsignedCheckpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly position: string;
  readonly streams: number;
  readonly merkleRoot: string;
  readonly previousHash: string;
  readonly createdAt: string;
  readonly publicKeySha256: string;
  readonly chainedAfterTheFact?: ChainedRange;
}

export interface Checkpoint extends UnsignedCheckpoint {
  readonly signature: string;
}

export function signCheckpoint(body: UnsignedCheckpoint, key: SigningKey): Checkpoint {
  const signature = sign(null, Buffer.from(canonicalJson(body), 'utf8'), key.privateKey);
  return { ...body, signature: signature.toString('base64') };
}

/** The exact line written to the sink and the stored event's data. */
export function checkpointJson(checkpoint: Checkpoint): string {
  return canonicalJson(checkpoint);
}

/** What the next checkpoint's `previousHash` names. */
export function checkpointHash(checkpoint: Checkpoint): string {
  return sha256Hex(checkpointJson(checkpoint));
}

export function signatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  const { signature, ...body } = checkpoint;
  try {
    return verify(
      null,
      Buffer.from(canonicalJson(body), 'utf8'),
      publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses one checkpoint line; throws an Error naming the first field that is wrong. */
export function parseCheckpoint(text: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('is not a JSON object');
  }
  const c = value as Record<string, unknown>;
  const problem = (field: string) => new Error(`has no valid "${field}"`);
  if (c.version !== CHECKPOINT_VERSION) throw new Error(`is not a ${CHECKPOINT_VERSION}`);
  if (typeof c.position !== 'string' || c.position === '') throw problem('position');
  if (!Number.isSafeInteger(c.streams) || (c.streams as number) < 0) throw problem('streams');
  for (const field of ['merkleRoot', 'previousHash', 'publicKeySha256']) {
    if (typeof c[field] !== 'string' || !HEX64.test(c[field])) throw problem(field);
  }
  if (typeof c.createdAt !== 'string') throw problem('createdAt');
  if (typeof c.signature !== 'string' || c.signature === '') throw problem('signature');
  if (c.chainedAfterTheFact !== undefined) parseChainedRange(c.chainedAfterTheFact);
  const known = new Set([
    'version',
    'position',
    'streams',
    'merkleRoot',
    'previousHash',
    'createdAt',
    'publicKeySha256',
    'chainedAfterTheFact',
    'signature',
  ]);
  const extra = Object.keys(c).find((key) => !known.has(key));
  if (extra !== undefined) throw new Error(`has an unknown field "${extra}"`);
  return c as unknown as Checkpoint;
}

/** The data of the `ledger.chained-after-the-fact` record, or of a checkpoint's copy of it. */
export function parseChainedRange(value: unknown): ChainedRange {
  const r = (value ?? {}) as Record<string, unknown>;
  if (
    !Number.isSafeInteger(r.count) ||
    typeof r.firstPosition !== 'string' ||
    typeof r.lastPosition !== 'string'
  ) {
    throw new Error(
      'has no valid chained-after-the-fact range (count, firstPosition, lastPosition)',
    );
  }
  return {
    count: r.count as number,
    firstPosition: r.firstPosition,
    lastPosition: r.lastPosition,
  };
}
