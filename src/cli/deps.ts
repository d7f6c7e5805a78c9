import type { Env } from '../config.js';

/**
 * What every CLI command receives. Commands parse the settings they use with
 * `loadConfig(deps.env, { settings: COMMAND_SETTINGS.<command> })`; only
 * `config.readEnvironment()` reads process.env, once, in the dispatcher.
 */
export interface CliDeps {
  readonly env: Env;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  readonly stopSignal: AbortSignal;
}

/** A command returns its exit code: 0 ok, 1 failure, 2 usage error. */
export type CliCommand = (args: string[], deps: CliDeps) => Promise<number>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
