/**
 * The one error a bad configuration raises. Its own module because loadConfig and the ledger's
 * and retention's loaders (src/config/) all throw it, and the CLI tells it apart by class.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
