import { parseArgs } from 'node:util';
import { loadConfig, loadLedgerConfig, loadRetentionConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { startService } from '../service.js';
import { UsageError, type CliDeps } from './deps.js';

const USAGE = `usage: compilot-ledger serve

Runs the service with the settings from the environment (and .env). Refuses to start
without COMPILOT_WEBHOOK_SECRET. Stops gracefully on SIGTERM/SIGINT.`;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  let help: boolean;
  try {
    help = Boolean(
      parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help,
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (help) {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(deps.env, { requireWebhookSecret: true });
  const ledger = loadLedgerConfig(deps.env);
  const logger = createLogger(config.logLevel);
  const retention = loadRetentionConfig(deps.env);
  const service = await startService(config, logger, { ledger, retention });
  await waitForAbort(deps.stopSignal);
  await service.close();
  return 0;
}

export function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
