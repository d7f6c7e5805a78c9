/**
 * A fixed LEDGER_ENCRYPTION_KEY for tests (32 bytes, base64), so every harness that opens the
 * event store through the config passes the setting the service requires.
 */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** The settings a test env adds to run encrypted (the key store defaults next to the store). */
export const ENCRYPTION_ENV: Readonly<Record<string, string>> = {
  LEDGER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
};
