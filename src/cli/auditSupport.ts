/**
 * What the audit and retention commands share: option parsing that answers a bad option with the
 * usage on stderr and exit code 2, and opening the configured store with
 * logs on stderr, so stdout carries only the command's output.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMAND_SETTINGS, loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import type { EventStore } from '../store/eventStore.js';
import { openEventStore } from '../store/openEventStore.js';
import type { CliDeps } from './deps.js';

export const USAGE_ERROR = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

export type Parsed<O extends Options, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: P; strict: true }>
>;

/**
 * Parses `args`. Returns the exit code instead when there is nothing more to do: 0 after
 * printing `usage` for --help, 2 after writing a bad option's problem and `usage` to stderr.
 */
export function parseCommandArgs<O extends Options, P extends boolean>(
  deps: CliDeps,
  args: string[],
  options: O,
  allowPositionals: P,
  usage: string,
): Parsed<O, P> | number {
  let parsed: Parsed<O, P>;
  try {
    parsed = parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    return usageError(deps, (error as Error).message, usage);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    deps.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}

/**
 * {@link parseCommandArgs} for the commands about one customer (`audit`, `erase`, `offboard`,
 * `hold`): exactly one positional, the customer id.
 */
export function parseCustomerCommand<O extends Options>(
  deps: CliDeps,
  args: string[],
  options: O,
  usage: string,
): { readonly values: Parsed<O, true>['values']; readonly customerId: string } | number {
  const parsed = parseCommandArgs(deps, args, options, true, usage);
  if (typeof parsed === 'number') return parsed;
  const [customerId, ...more] = parsed.positionals;
  if (customerId === undefined || more.length > 0) {
    return usageError(deps, 'give exactly one customer id', usage);
  }
  return { values: parsed.values, customerId };
}

export function usageError(deps: CliDeps, problem: string, usage: string): number {
  deps.stderr.write(`${problem}\n\n${usage}\n`);
  return USAGE_ERROR;
}

export interface LedgerContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
}

/**
 * Runs `body` with the configured event store, closing the store afterwards. Read-only (the
 * default) requires the store to exist and never writes to it: a mistyped path is an error,
 * never a new empty store.
 */
export async function withLedger<T>(
  deps: CliDeps,
  body: (context: LedgerContext) => Promise<T>,
  options: { readonly readOnly?: boolean } = {},
): Promise<T> {
  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.ledger });
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const logger = createLogger(level, deps.stderr);
  const store = openEventStore(config.eventStore, logger, {
    readOnly: options.readOnly ?? true,
  });
  try {
    return await body({ config, logger, store });
  } finally {
    await store.close();
  }
}
