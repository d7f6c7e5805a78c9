import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { createCompilotClient, type CompilotClient, type FetchLike } from './client.js';

/** The client as the COMPILOT_API_* settings describe it; undefined without an API key. */
export function compilotClientFromConfig(
  api: Config['compilotApi'],
  deps: { readonly logger: Logger; readonly registry?: Registry; readonly fetch?: FetchLike },
): CompilotClient | undefined {
  if (api.key === undefined) return undefined;
  return createCompilotClient({
    baseUrl: api.url,
    apiKey: api.key,
    timeoutMs: api.timeoutMs,
    maxRetries: api.maxRetries,
    ratePerSecond: api.ratePerSecond,
    ratePerMinute: api.ratePerMinute,
    maxConcurrency: api.maxConcurrency,
    logger: deps.logger,
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}
