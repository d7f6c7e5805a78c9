/** In-process runs of the retention commands against a real encrypted SQLite store. */
import { join } from 'node:path';
import type { Test } from 'tap';
import type { CliCommand } from '../../src/cli/deps.js';
import { loadConfig } from '../../src/config.js';
import { customerStream } from '../../src/events/streams.js';
import { createLogger } from '../../src/lib/logger.js';
import { generateMasterKey } from '../../src/privacy/masterKey.js';
import { openEventStore } from '../../src/store/openEventStore.js';
import { cliDeps } from './auditHarness.js';
import { CUSTOMER_ID, fixture, webhookEvent } from './projectionEvents.js';

/** The environment of a new encrypted store holding one customer.created for CUSTOMER_ID. */
export async function ledgerWithCustomer(t: Test): Promise<Record<string, string>> {
  const dir = t.testdir({});
  const env = {
    EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
    KEY_STORE_URL: `sqlite:${join(dir, 'keys.db')}`,
    LEDGER_ENCRYPTION_KEY: generateMasterKey(),
    RETENTION_DAYS: '1826',
  };
  const config = loadConfig(env, {
    settings: ['EVENT_STORE_URL', 'KEY_STORE_URL', 'LEDGER_ENCRYPTION_KEY'],
  });
  const store = openEventStore(config.eventStore, createLogger('silent'));
  await store.appendToStream(customerStream(CUSTOMER_ID), [
    webhookEvent(fixture('customer.created'), 'msg_1'),
  ]);
  await store.close();
  return env;
}

/** Runs `command` for CUSTOMER_ID with `args`: its exit code and what it printed. */
export async function runFor(command: CliCommand, env: Record<string, string>, args: string[]) {
  const deps = cliDeps(env);
  const code = await command([CUSTOMER_ID, ...args], deps);
  return { code, stdout: deps.output(), stderr: deps.errors() };
}
