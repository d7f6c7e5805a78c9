/**
 * verify's checks against a signed checkpoint: its signature (and those of the checkpoints
 * before it in the file), the chain of checkpoints in the store's `ledger-checkpoints` stream,
 * and the Merkle root over every stream head recomputed as of its position. Any event at or
 * before that position deleted, added, reordered, moved or changed changes some stream's head
 * link, hence the root.
 */
import type { KeyObject } from 'node:crypto';
import type { ChainedRecord } from '../ledger/chainedRecord.js';
import {
  CHECKPOINT_STREAM,
  checkpointHash,
  GENESIS_CHECKPOINT_HASH,
  parseCheckpoint,
  signatureValid,
  type Checkpoint,
} from '../ledger/checkpointFormat.js';
import { publicKeySha256 } from '../ledger/signingKey.js';
import type { StreamHeads } from '../ledger/streamHeads.js';
import type { RecordedEvent } from '../store/eventStore.js';

export interface CheckpointEvidence {
  /** The checkpoint verified against (the file's last line, or the one named). */
  readonly checkpoint: Checkpoint;
  /** Every checkpoint of the file up to and including it, in file order. */
  readonly earlier: readonly Checkpoint[];
  readonly publicKey: KeyObject;
}

export interface CheckpointFinding {
  readonly message: string;
  readonly event?: RecordedEvent;
}

export interface CheckpointSummary {
  readonly position: string;
  readonly merkleRoot: string;
  readonly streams: number;
  readonly fileCheckpoints: number;
  readonly storeCheckpoints: number;
}

export interface CheckpointChecker {
  /** Call before each event is applied to the heads, in commit order. */
  beforeEvent(event: RecordedEvent, heads: StreamHeads): CheckpointFinding[];
  /** Call after the last event. */
  finish(heads: StreamHeads, chained: ChainedRecord | undefined): CheckpointFinding[];
  summary(): CheckpointSummary;
}

export function createCheckpointChecker(evidence: CheckpointEvidence): CheckpointChecker {
  const { checkpoint, publicKey } = evidence;
  const keyHash = publicKeySha256(publicKey);
  const target = checkpoint.position;
  const storeHashes = new Set<string>();
  let previousStored: { hash: string; position: string } | undefined;
  let storeCheckpoints = 0;
  let rootChecked = false;
  let sawTargetEvent = false;

  function compareRoot(heads: StreamHeads): CheckpointFinding[] {
    rootChecked = true;
    const findings: CheckpointFinding[] = [];
    if (!sawTargetEvent) {
      findings.push({
        message: `no event at the checkpoint's position ${target}: the log was truncated or rewritten up to it`,
      });
    }
    if (heads.size !== checkpoint.streams) {
      findings.push({
        message: `${heads.size} streams as of position ${target}, the checkpoint signed ${checkpoint.streams}: a stream was deleted or added`,
      });
    }
    const root = heads.root();
    if (root !== checkpoint.merkleRoot) {
      findings.push({
        message: `Merkle root as of position ${target} is ${root}, the checkpoint signed ${checkpoint.merkleRoot}: an event at or before it was deleted, added, reordered, moved or changed`,
      });
    }
    return findings;
  }

  function storedCheckpoint(event: RecordedEvent): CheckpointFinding[] {
    storeCheckpoints += 1;
    let stored: Checkpoint;
    try {
      stored = parseCheckpoint(event.data.toString('utf8'));
    } catch (error) {
      return [{ event, message: `stored checkpoint ${(error as Error).message}` }];
    }
    const findings: CheckpointFinding[] = [];
    const hash = checkpointHash(stored);
    storeHashes.add(hash);
    const expectedPrevious = previousStored?.hash ?? GENESIS_CHECKPOINT_HASH;
    if (stored.previousHash !== expectedPrevious) {
      findings.push({
        event,
        message: `stored checkpoint names previous ${stored.previousHash}, the one before it in ${CHECKPOINT_STREAM} hashes to ${expectedPrevious}`,
      });
    }
    if (stored.position >= event.position) {
      findings.push({
        event,
        message: `stored checkpoint covers position ${stored.position}, at or after itself`,
      });
    }
    if (previousStored !== undefined && stored.position <= previousStored.position) {
      findings.push({
        event,
        message: `stored checkpoint position ${stored.position} does not advance`,
      });
    }
    if (stored.publicKeySha256 === keyHash && !signatureValid(stored, publicKey)) {
      findings.push({ event, message: 'stored checkpoint signature is not valid' });
    }
    previousStored = { hash, position: stored.position };
    return findings;
  }

  return {
    beforeEvent(event, heads) {
      const findings: CheckpointFinding[] = [];
      if (!rootChecked && event.position > target) findings.push(...compareRoot(heads));
      if (event.position === target) sawTargetEvent = true;
      if (event.streamName === CHECKPOINT_STREAM) findings.push(...storedCheckpoint(event));
      return findings;
    },
    finish(heads, chained) {
      const findings = rootChecked ? [] : compareRoot(heads);
      if (!storeHashes.has(checkpointHash(checkpoint))) {
        findings.push({
          message: `the checkpoint at position ${target} is not in the store's ${CHECKPOINT_STREAM} stream (checkpoints deleted or the chain rewritten)`,
        });
      }
      evidence.earlier.forEach((earlier, index) => {
        if (earlier !== checkpoint && !storeHashes.has(checkpointHash(earlier))) {
          findings.push({
            message: `checkpoint line ${index + 1} of the file (position ${earlier.position}) is not in the store's ${CHECKPOINT_STREAM} stream`,
          });
        }
      });
      findings.push(...chainedRangeFindings(checkpoint, chained));
      return findings;
    },
    summary: () => ({
      position: target,
      merkleRoot: checkpoint.merkleRoot,
      streams: checkpoint.streams,
      fileCheckpoints: evidence.earlier.length,
      storeCheckpoints,
    }),
  };
}

/** Findings that need no store: signatures and order of the file's checkpoints. */
export function checkpointFileFindings(evidence: CheckpointEvidence): CheckpointFinding[] {
  const { checkpoint, earlier, publicKey } = evidence;
  const findings: CheckpointFinding[] = [];
  const keyHash = publicKeySha256(publicKey);
  if (checkpoint.publicKeySha256 !== keyHash) {
    findings.push({
      message: `the checkpoint was signed by key ${checkpoint.publicKeySha256}, not by the public key given (${keyHash})`,
    });
  }
  earlier.forEach((line, index) => {
    if (line.publicKeySha256 === keyHash && !signatureValid(line, publicKey)) {
      findings.push({
        message: `checkpoint line ${index + 1} (position ${line.position}): signature is not valid`,
      });
    }
    const before = earlier[index - 1];
    if (before !== undefined && line.position <= before.position) {
      findings.push({
        message: `checkpoint line ${index + 1} (position ${line.position}) does not advance past line ${index} (${before.position})`,
      });
    }
  });
  return findings;
}

function chainedRangeFindings(
  checkpoint: Checkpoint,
  chained: ChainedRecord | undefined,
): CheckpointFinding[] {
  const signed = checkpoint.chainedAfterTheFact;
  if (chained === undefined || chained.position > checkpoint.position) {
    return signed === undefined
      ? []
      : [
          {
            message:
              'the checkpoint names a chained-after-the-fact range the store no longer records',
          },
        ];
  }
  const same =
    signed !== undefined &&
    signed.count === chained.range.count &&
    signed.firstPosition === chained.range.firstPosition &&
    signed.lastPosition === chained.range.lastPosition;
  return same
    ? []
    : [
        {
          message: `the store's chained-after-the-fact range (${chained.range.firstPosition}..${chained.range.lastPosition}, ${chained.range.count} events) differs from the one the checkpoint signed`,
        },
      ];
}
