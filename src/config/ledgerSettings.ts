/**
 * The tamper-evident ledger's settings (signing key, checkpoint interval and sink). Apart from
 * loadConfig because only the commands that sign or verify checkpoints read them, with their
 * own loader; src/config.ts re-exports it.
 */
import { resolve } from 'node:path';
import { parseSigningKey, type SigningKey } from '../ledger/signingKey.js';
import { ConfigError } from './configError.js';
import type { Env } from './configTypes.js';

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
  const rawInterval = env.CHECKPOINT_INTERVAL_MS?.trim() || '60000';
  const checkpointIntervalMs = Number(rawInterval);
  if (
    !/^\d+$/.test(rawInterval) ||
    checkpointIntervalMs < 100 ||
    checkpointIntervalMs > 86_400_000
  ) {
    problems.push(
      `CHECKPOINT_INTERVAL_MS must be a whole number from 100 to 86400000 (got "${rawInterval}")`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    signingKey,
    checkpointIntervalMs,
    checkpointSink: resolve(env.CHECKPOINT_SINK?.trim() || 'data/checkpoints.ndjson'),
  });
}
