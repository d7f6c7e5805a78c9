/**
 * The Merkle tree a checkpoint signs, in the style of Certificate Transparency (RFC 6962 §2.1):
 * leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right), the largest
 * power of two smaller than n splits the leaves. Domain-separated prefixes keep a leaf from
 * passing for a node. The empty tree's root is SHA-256 of nothing.
 *
 * Leaves are one per stream, sorted by stream name (UTF-16 code units, as JavaScript sorts):
 * canonical JSON `[stream, headRevision, headLink]`.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';

export interface StreamHead {
  readonly streamName: string;
  readonly revision: bigint | number;
  readonly link: string;
}

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export function leafBytes(head: StreamHead): Buffer {
  return Buffer.from(canonicalJson([head.streamName, Number(head.revision), head.link]), 'utf8');
}

export function leafHash(head: StreamHead): Buffer {
  return createHash('sha256').update(LEAF).update(leafBytes(head)).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** Root over leaf hashes already in tree order. */
export function merkleRootOfHashes(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  let level = leaves.slice();
  // Bottom-up pairing with the odd node promoted gives the same root as RFC 6962's recursive
  // split, and needs no recursion over 10^5 streams.
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Hex root over stream heads in any order (they are sorted here). */
export function merkleRoot(heads: readonly StreamHead[]): string {
  const sorted = heads
    .slice()
    .sort((a, b) => (a.streamName < b.streamName ? -1 : a.streamName > b.streamName ? 1 : 0));
  return merkleRootOfHashes(sorted.map(leafHash)).toString('hex');
}
