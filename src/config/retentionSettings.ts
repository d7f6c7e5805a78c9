/**
 * Retention and erasure's settings (RETENTION_*). Apart from loadConfig because only the
 * commands that offboard, erase or enforce retention read them, with their own loader;
 * src/config.ts re-exports it.
 */
import { ConfigError } from './configError.js';
import type { Env } from './configTypes.js';
import { parseWholeNumber } from './settingParsers.js';

/** Settings of retention and erasure (src/retention/); read only by the commands that use them. */
export interface RetentionConfig {
  /** RETENTION_DAYS after the end of the relationship a customer becomes erasable. */
  readonly retentionDays: number;
  /** RETENTION_ENFORCE: `serve` erases due customers on a schedule. */
  readonly enforce: boolean;
  /** RETENTION_INTERVAL_MS: how often `serve` looks for due customers when enforcing. */
  readonly intervalMs: number;
}

/** RETENTION_DAYS when unset: about five years, the EU AML directives' period (docs/retention.md). */
export const DEFAULT_RETENTION_DAYS = 1826;

export function loadRetentionConfig(env: Env): RetentionConfig {
  const problems: string[] = [];
  const whole = (name: string, fallback: number, min: number, max: number): number =>
    parseWholeNumber(name, env[name], fallback, { min, max }, problems);
  const retentionDays = whole('RETENTION_DAYS', DEFAULT_RETENTION_DAYS, 0, 36_500);
  const rawEnforce = env.RETENTION_ENFORCE?.trim().toLowerCase() || 'false';
  if (rawEnforce !== 'true' && rawEnforce !== 'false') {
    problems.push(`RETENTION_ENFORCE must be true or false (got "${env.RETENTION_ENFORCE}")`);
  }
  const intervalMs = whole('RETENTION_INTERVAL_MS', 86_400_000, 1000, 30 * 86_400_000);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ retentionDays, enforce: rawEnforce === 'true', intervalMs });
}
