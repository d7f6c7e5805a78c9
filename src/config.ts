/**
 * The only module that reads the environment. It parses every setting into a frozen, typed
 * Config, or throws one ConfigError naming every bad variable, so a misconfigured start fails
 * at once and says all that is wrong. Everything else receives what it needs as arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parseSigningKey, type SigningKey } from './ledger/signingKey.js';
import { parseMasterKey } from './privacy/masterKey.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type EventStoreLocation = (
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'kurrentdb'; readonly connectionString: string }
) & {
  /**
   * Encryption at rest (src/privacy/). loadConfig always sets it when it reads EVENT_STORE_URL;
   * a location built in code without it opens the store unencrypted.
   */
  readonly encryption?: EncryptionConfig;
};

/** LEDGER_ENCRYPTION, LEDGER_ENCRYPTION_KEY(_PREVIOUS), KEY_STORE_URL (see src/privacy/). */
export type EncryptionConfig =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on';
      /** Base64 of 32 bytes (validated); a string so the location can go to worker threads. */
      readonly masterKey: string;
      /** LEDGER_ENCRYPTION_KEY_PREVIOUS, for `rotate-encryption-key` only. */
      readonly previousMasterKey?: string;
      readonly keyStorePath: string;
    };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** Every configured `whsec_` secret; a delivery is valid if any of them verifies it. */
  readonly webhookSecrets: readonly string[];
  /**
   * Secrets rotated out (COMPILOT_WEBHOOK_RETIRED_SECRETS): used only to re-verify stored
   * deliveries (verify, audit, ?verify=true), never to accept new ones.
   */
  readonly retiredWebhookSecrets: readonly string[];
  readonly webhookMaxBodyBytes: number;
  readonly eventStore: EventStoreLocation;
  readonly readModelPath: string;
  readonly projectionOnError: 'stop' | 'skip';
  readonly projectionBatchSize: number;
  /** REBUILD_MEMORY_MB: the documents a rebuild keeps in memory before writing them out. */
  readonly rebuildMemoryMb: number;
  readonly queryApiTokens: readonly string[];
  readonly compilotApi: {
    readonly url: string;
    readonly key: string | undefined;
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly ratePerSecond: number;
    readonly ratePerMinute: number;
    readonly maxConcurrency: number;
  };
  /** Reconciliation with ComPilot's customer list (src/reconcile/). */
  readonly reconcile: {
    /** How often `serve` runs it; 0 = never (the default). */
    readonly intervalMs: number;
    readonly pageSize: number;
    /** An unfinished run whose last record is older than this is resumed as crashed. */
    readonly leaseMs: number;
  };
  readonly shutdownTimeoutMs: number;
  /** VERIFY_REPORT: where `verify` leaves its summary; the audit viewer shows it. */
  readonly verifyReportPath: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** `serve` cannot run without a webhook secret; read-only commands can. */
  readonly requireWebhookSecret?: boolean;
  /**
   * The settings the caller uses (e.g. `COMMAND_SETTINGS.audit`); only these are validated, and
   * every other field keeps its default. Omitted: every setting (the service uses them all).
   */
  readonly settings?: readonly string[];
}

/**
 * The settings each offline command reads, so a setting it never uses cannot stop it
 * (`PORT=abc compilot-ledger audit <id>` works). A command reads only the Config fields these
 * name; commands that start the service (serve, dev) are not listed and validate everything.
 */
/** The ComPilot client's settings, used by every command that calls the API. */
const COMPILOT_API_SETTINGS = [
  'COMPILOT_API_URL',
  'COMPILOT_API_KEY',
  'COMPILOT_API_TIMEOUT_MS',
  'COMPILOT_API_MAX_RETRIES',
  'COMPILOT_API_RATE_PER_SECOND',
  'COMPILOT_API_RATE_PER_MINUTE',
  'COMPILOT_API_MAX_CONCURRENCY',
] as const;

/** Every command that opens the event store reads these (loadConfig enforces it). */
const STORE_SETTINGS = [
  'EVENT_STORE_URL',
  'LEDGER_ENCRYPTION',
  'LEDGER_ENCRYPTION_KEY',
  'KEY_STORE_URL',
] as const;

export const COMMAND_SETTINGS = {
  /** audit, verify, export and quarantine (the secrets prove signatures). */
  ledger: [
    'LOG_LEVEL',
    ...STORE_SETTINGS,
    'COMPILOT_WEBHOOK_SECRET',
    'COMPILOT_WEBHOOK_RETIRED_SECRETS',
    'VERIFY_REPORT',
  ],
  events: STORE_SETTINGS,
  rebuild: [
    'LOG_LEVEL',
    ...STORE_SETTINGS,
    'READ_MODEL_URL',
    'PROJECTION_ON_ERROR',
    'REBUILD_MEMORY_MB',
  ],
  /** `rebuild --refetch`: the rebuild's settings plus the ComPilot client's. */
  refetch: ['LOG_LEVEL', ...STORE_SETTINGS, ...COMPILOT_API_SETTINGS],
  simulate: ['LOG_LEVEL', 'PORT', 'COMPILOT_WEBHOOK_SECRET', 'COMPILOT_API_KEY'],
  /** `retention due`: the read model it lists from (RETENTION_* come from loadRetentionConfig). */
  retention: ['LOG_LEVEL', 'READ_MODEL_URL'],
  /** `rotate-encryption-key`: the key store and both master keys. */
  rotate: ['LOG_LEVEL', ...STORE_SETTINGS, 'LEDGER_ENCRYPTION_KEY_PREVIOUS'],
  /** `reconcile`: the ComPilot client's settings, both stores and the run's own. */
  reconcile: [
    'LOG_LEVEL',
    ...STORE_SETTINGS,
    'READ_MODEL_URL',
    ...COMPILOT_API_SETTINGS,
    'RECONCILE_PAGE_SIZE',
    'RECONCILE_LEASE_MS',
  ],
} as const satisfies Record<string, readonly string[]>;

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];
const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

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
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name, String(fallback));
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
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

function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((part) => part !== '');
}

function parseSecrets(
  raw: string | undefined,
  problems: string[],
  name = 'COMPILOT_WEBHOOK_SECRET',
): string[] {
  const secrets = splitList(raw);
  secrets.forEach((secret, index) => {
    const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    if (!SECRET_PATTERN.test(secret) || keyBytes < 16) {
      // Never echo the secret itself: say which one and what is wrong.
      problems.push(
        `${name} entry ${index + 1} is not a whsec_ secret ` +
          '(expected "whsec_" followed by base64 of at least 16 bytes)',
      );
    }
  });
  return secrets;
}

function parseEventStoreUrl(raw: string, problems: string[]): EventStoreLocation {
  if (/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//.test(raw)) {
    return { kind: 'kurrentdb', connectionString: raw };
  }
  return { kind: 'sqlite', path: parseSqliteUrl('EVENT_STORE_URL', raw, problems) };
}

/**
 * Whoever reads EVENT_STORE_URL reads the encryption settings with it: LEDGER_ENCRYPTION_KEY is
 * required unless LEDGER_ENCRYPTION=off (benchmarks and tests of the plaintext path).
 */
function withEncryption(
  location: EventStoreLocation,
  env: Env | undefined,
  problems: string[],
): EventStoreLocation {
  if (env === undefined) return location;
  const mode = env.LEDGER_ENCRYPTION?.trim() || 'on';
  if (mode === 'off') return { ...location, encryption: { mode: 'off' } };
  if (mode !== 'on') {
    problems.push(`LEDGER_ENCRYPTION must be on or off (got "${mode}")`);
    return location;
  }
  const key = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    try {
      parseMasterKey(raw);
      return raw;
    } catch (error) {
      problems.push(`${name} ${(error as Error).message}`);
      return undefined;
    }
  };
  const masterKey = key('LEDGER_ENCRYPTION_KEY');
  const previousMasterKey = key('LEDGER_ENCRYPTION_KEY_PREVIOUS');
  if (masterKey === undefined) {
    if (!env.LEDGER_ENCRYPTION_KEY?.trim()) {
      problems.push(
        'LEDGER_ENCRYPTION_KEY is not set: set it to base64 of 32 random bytes ' +
          '(openssl rand -base64 32), the key that wraps customer data keys; ' +
          'LEDGER_ENCRYPTION=off stores customer data unencrypted (benchmarks, tests)',
      );
    }
    return location;
  }
  // Default: keys.db next to the SQLite event store (data/keys.db for the default store).
  const defaultKeys =
    location.kind === 'sqlite' ? join(dirname(location.path), 'keys.db') : 'data/keys.db';
  const rawKeys = env.KEY_STORE_URL?.trim() || `sqlite:${defaultKeys}`;
  const keyStorePath = parseSqliteUrl('KEY_STORE_URL', rawKeys, problems);
  return {
    ...location,
    encryption: {
      mode: 'on',
      masterKey,
      ...(previousMasterKey === undefined ? {} : { previousMasterKey }),
      keyStorePath,
    },
  };
}

function parseSqliteUrl(name: string, raw: string, problems: string[]): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(raw);
  if (!match?.[1]) {
    const kinds = name === 'EVENT_STORE_URL' ? 'sqlite:<file> or kurrentdb://...' : 'sqlite:<file>';
    problems.push(`${name} must be ${kinds} (got "${redactUrl(raw)}")`);
    return '';
  }
  return resolve(match[1]);
}

function parseHttpUrl(name: string, raw: string, problems: string[]): string {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http(s) URL (got "${redactUrl(raw)}")`);
  return raw;
}

/** Connection strings may carry credentials; show them without. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}

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

/** Settings of retention and erasure (src/retention/); read only by the commands that use them. */
export interface RetentionConfig {
  /** RETENTION_DAYS after the end of the relationship a customer becomes erasable. */
  readonly retentionDays: number;
  /** RETENTION_ENFORCE: `serve` erases due customers on a schedule. */
  readonly enforce: boolean;
  /** RETENTION_INTERVAL_MS: how often `serve` looks for due customers when enforcing. */
  readonly intervalMs: number;
}

export function loadRetentionConfig(env: Env): RetentionConfig {
  const problems: string[] = [];
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim() || String(fallback);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const retentionDays = whole('RETENTION_DAYS', 1826, 0, 36_500);
  const rawEnforce = env.RETENTION_ENFORCE?.trim().toLowerCase() || 'false';
  if (rawEnforce !== 'true' && rawEnforce !== 'false') {
    problems.push(`RETENTION_ENFORCE must be true or false (got "${env.RETENTION_ENFORCE}")`);
  }
  const intervalMs = whole('RETENTION_INTERVAL_MS', 86_400_000, 1000, 30 * 86_400_000);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ retentionDays, enforce: rawEnforce === 'true', intervalMs });
}
