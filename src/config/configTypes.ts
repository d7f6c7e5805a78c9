/**
 * The shapes of the settings: the Env they are read from and the typed Config loadConfig
 * returns. Apart from src/config.ts so that the many modules that only name these types (the
 * logger, the stores, the runner) depend on declarations, not on the parsing.
 */
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
