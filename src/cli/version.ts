/**
 * `compilot-ledger --version`: the version of the package this module belongs to, read from the
 * nearest package.json above it, so it is right from `src/cli/` (tsx) and `dist/src/cli/` alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliDeps } from './deps.js';

export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  let directory = dirname(from);
  for (;;) {
    const file = join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      if (typeof manifest.version === 'string') return manifest.version;
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json with a version above ${from}`);
    directory = parent;
  }
}

/** `compilot-ledger version` / `--version`: the package version, alone on one line. */
export function run(_args: string[], deps: CliDeps): Promise<number> {
  deps.stdout.write(`${packageVersion()}\n`);
  return Promise.resolve(0);
}
