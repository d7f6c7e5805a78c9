/**
 * The only module that reads the environment. It parses every setting into a frozen, typed
 * Config, or throws one ConfigError naming every bad variable, so a misconfigured start fails
 * at once and says all that is wrong. Everything else receives what it needs as arguments.
 * The pieces it is built from live in src/config/ (types, parsers of single settings, the
 * encryption group, the ledger's and retention's loaders); they parse the Env handed to them and
 * never read the environment themselves. This module stays the one entry point: it re-exports
 * what callers import.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config/configError.js';
import type { Config, Env, LogLevel } from './config/configTypes.js';
import { withEncryption } from './config/encryptionSettings.js';
import {
  parseEventStoreUrl,
  parseHttpUrl,
  parseSecrets,
  parseSqliteUrl,
  parseWholeNumber,
  splitList,
} from './config/settingParsers.js';

export { COMMAND_SETTINGS } from './config/commandSettings.js';
export { ConfigError } from './config/configError.js';
export type {
  Config,
  EncryptionConfig,
  Env,
  EventStoreLocation,
  LogLevel,
} from './config/configTypes.js';
export { loadLedgerConfig, type LedgerConfig } from './config/ledgerSettings.js';
export {
  DEFAULT_RETENTION_DAYS,
  loadRetentionConfig,
  type RetentionConfig,
} from './config/retentionSettings.js';
export { redactUrl } from './config/settingParsers.js';

export interface LoadConfigOptions {
  /** `serve` cannot run without a webhook secret; read-only commands can. */
  readonly requireWebhookSecret?: boolean;
  /**
   * The settings the caller uses (e.g. `COMMAND_SETTINGS.audit`); only these are validated, and
   * every other field keeps its default. Omitted: every setting (the service uses them all).
   */
  readonly settings?: readonly string[];
}

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** process.env, with a `.env` file in `cwd` filling in what the environment does not set. */
export function readEnvironment(cwd: string = process.cwd()): Env {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

export function loadConfig(fullEnv: Env, options: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const { settings } = options;
  // A setting the caller does not use is not read at all: it keeps its default.
  const env: Env =
    settings === undefined
      ? fullEnv
      : Object.fromEntries(settings.map((name) => [name, fullEnv[name]]));
  const text = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number =>
    parseWholeNumber(name, env[name], fallback, { min, max }, problems);
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const raw = text(name, fallback);
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  const webhookSecrets = parseSecrets(env.COMPILOT_WEBHOOK_SECRET, problems);
  const retiredWebhookSecrets = parseSecrets(
    env.COMPILOT_WEBHOOK_RETIRED_SECRETS,
    problems,
    'COMPILOT_WEBHOOK_RETIRED_SECRETS',
  );
  if (options.requireWebhookSecret && webhookSecrets.length === 0) {
    problems.push(
      'COMPILOT_WEBHOOK_SECRET is not set: set it to the whsec_... signing secret of the ComPilot ' +
        'webhook endpoint (several, separated by spaces or commas, during a rotation)',
    );
  }

  const config: Config = {
    port: integer('PORT', 3000, 0, 65535),
    host: text('HOST', '0.0.0.0'),
    logLevel: oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    webhookSecrets,
    retiredWebhookSecrets,
    webhookMaxBodyBytes: integer('WEBHOOK_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    eventStore: withEncryption(
      parseEventStoreUrl(text('EVENT_STORE_URL', 'sqlite:data/events.db'), problems),
      settings === undefined || settings.includes('EVENT_STORE_URL') ? env : undefined,
      problems,
    ),
    readModelPath: parseSqliteUrl(
      'READ_MODEL_URL',
      text('READ_MODEL_URL', 'sqlite:data/readmodel.db'),
      problems,
    ),
    projectionOnError: oneOf('PROJECTION_ON_ERROR', 'stop', ['stop', 'skip'] as const),
    projectionBatchSize: integer('PROJECTION_BATCH_SIZE', 1000, 1, 100_000),
    rebuildMemoryMb: integer('REBUILD_MEMORY_MB', 128, 1, 65_536),
    queryApiTokens: splitList(env.QUERY_API_TOKENS),
    compilotApi: {
      url: parseHttpUrl(
        'COMPILOT_API_URL',
        text('COMPILOT_API_URL', 'https://api.compilot.ai'),
        problems,
      ),
      key: env.COMPILOT_API_KEY?.trim() || undefined,
      timeoutMs: integer('COMPILOT_API_TIMEOUT_MS', 10_000, 100, 300_000),
      maxRetries: integer('COMPILOT_API_MAX_RETRIES', 6, 0, 100),
      ratePerSecond: integer('COMPILOT_API_RATE_PER_SECOND', 15, 1, 10_000),
      ratePerMinute: integer('COMPILOT_API_RATE_PER_MINUTE', 300, 1, 600_000),
      maxConcurrency: integer('COMPILOT_API_MAX_CONCURRENCY', 4, 1, 256),
    },
    reconcile: {
      intervalMs: integer('RECONCILE_INTERVAL_MS', 0, 0, 7 * 24 * 3_600_000),
      pageSize: integer('RECONCILE_PAGE_SIZE', 100, 1, 100),
      leaseMs: integer('RECONCILE_LEASE_MS', 300_000, 0, 24 * 3_600_000),
    },
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    verifyReportPath: text('VERIFY_REPORT', 'data/verify-report.json'),
  };
  const tooShort = config.queryApiTokens.filter((token) => token.length < 16);
  if (tooShort.length > 0) {
    problems.push('QUERY_API_TOKENS: every token must be at least 16 characters long');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
