/**
 * The tamper-evident ledger's settings (signing key, checkpoint interval and sink). Apart from
 * loadConfig because only the commands that sign or verify checkpoints read them, with their
 * own loader; src/config.ts re-exports it.
 */
import { resolve } from 'node:path';
import { parseSigningKey, type SigningKey } from '../ledger/signingKey.js';
import { ConfigError } from './configError.js';
import type { Env } from './configTypes.js';
import { parseWholeNumber } from './settingParsers.js';

/** Settings of the tamper-evident ledger; read only by the commands that use them. */
export interface LedgerConfig {
  /** LEDGER_SIGNING_KEY, parsed; undefined when not set (no checkpoints are signed). */
  readonly signingKey: SigningKey | undefined;
  readonly checkpointIntervalMs: number;
  /** CHECKPOINT_SINK: NDJSON file every checkpoint is appended to. */
  readonly checkpointSink: string;
}

export function loadLedgerConfig(env: Env): LedgerConfig {
  const problems: string[] = [];
  let signingKey: SigningKey | undefined;
  const rawKey = env.LEDGER_SIGNING_KEY?.trim();
  if (rawKey) {
    try {
      signingKey = parseSigningKey(rawKey);
    } catch (error) {
      problems.push(`LEDGER_SIGNING_KEY ${(error as Error).message}`);
    }
  }
  const checkpointIntervalMs = parseWholeNumber(
    'CHECKPOINT_INTERVAL_MS',
    env.CHECKPOINT_INTERVAL_MS,
    60_000,
    { min: 100, max: 86_400_000 },
    problems,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    signingKey,
    checkpointIntervalMs,
    checkpointSink: resolve(env.CHECKPOINT_SINK?.trim() || 'data/checkpoints.ndjson'),
  });
}
