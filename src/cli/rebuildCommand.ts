/**
 * `compilot-ledger rebuild` as the dispatcher runs it: the rebuild command plus what
 * `--refetch` needs (the ComPilot client from COMPILOT_API_* and the event store).
 */
import { compilotClientFromConfig } from '../compilot/fromConfig.js';
import { COMMAND_SETTINGS, loadConfig } from '../config.js';
import { refetchCustomers } from '../processing/refetch.js';
import { openEventStore } from '../store/openEventStore.js';
import { UsageError, type CliDeps } from './deps.js';
import { run as rebuild, type Refetch } from './rebuild.js';

export function run(args: string[], deps: CliDeps): Promise<number> {
  const refetch: Refetch = async (customerIds, { signal, logger }) => {
    const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.refetch });
    const client = compilotClientFromConfig(config.compilotApi, { logger });
    if (client === undefined) {
      throw new UsageError('--refetch needs COMPILOT_API_KEY to call the ComPilot API');
    }
    const store = openEventStore(config.eventStore, logger);
    try {
      await refetchCustomers(customerIds, {
        store,
        client,
        logger,
        signal,
        concurrency: config.compilotApi.maxConcurrency,
      });
    } finally {
      await store.close();
    }
  };
  return rebuild(args, { ...deps, refetch });
}
