/**
 * Loads what `verify --checkpoint` checks against: the checkpoint file (NDJSON, one checkpoint
 * per line), the chosen line, and the public key (from --public-key, else derived from
 * LEDGER_SIGNING_KEY). Returns a message naming the problem instead of throwing.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { parseCheckpoint, type Checkpoint } from '../ledger/checkpointFormat.js';
import { parsePublicKey, type SigningKey } from '../ledger/signingKey.js';
import type { CheckpointEvidence } from '../audit/checkpointVerification.js';

export function loadCheckpointEvidence(options: {
  readonly file: string | undefined;
  readonly at: string | undefined;
  readonly publicKeyFile: string | undefined;
  readonly signingKey: SigningKey | undefined;
}): CheckpointEvidence | undefined | string {
  const { file, at } = options;
  if (file === undefined) return undefined;
  if (!existsSync(file)) return `no checkpoint file at ${file}`;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim());
  const checkpoints: Checkpoint[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    try {
      checkpoints.push(parseCheckpoint(line));
    } catch (error) {
      return `line ${index + 1} of ${file} ${(error as Error).message}`;
    }
  }
  if (checkpoints.length === 0) return `${file} holds no checkpoint`;
  const chosen =
    at === undefined
      ? checkpoints.length - 1
      : checkpoints.findIndex((checkpoint) => checkpoint.position === at);
  if (chosen < 0) return `${file} holds no checkpoint at position ${at}`;
  const publicKey = loadPublicKey(options.publicKeyFile, options.signingKey);
  if (typeof publicKey === 'string') return publicKey;
  return {
    checkpoint: checkpoints[chosen]!,
    earlier: checkpoints.slice(0, chosen + 1),
    publicKey,
  };
}

function loadPublicKey(
  file: string | undefined,
  signingKey: SigningKey | undefined,
): KeyObject | string {
  if (file === undefined) {
    return (
      signingKey?.publicKey ??
      'a checkpoint needs the public key: pass --public-key FILE (or set LEDGER_SIGNING_KEY)'
    );
  }
  if (!existsSync(file)) return `no public key file at ${file}`;
  try {
    return parsePublicKey(readFileSync(file, 'utf8'));
  } catch (error) {
    return `${file} ${(error as Error).message}`;
  }
}
