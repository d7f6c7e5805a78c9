/**
 * The settings each offline command reads, so a setting it never uses cannot stop it
 * (`PORT=abc compilot-ledger audit <id>` works). A command reads only the Config fields these
 * name; commands that start the service (serve, dev) are not listed and validate everything.
 * Names only, no parsing: kept apart from loadConfig, which validates whichever names it is given.
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
