/**
 * The viewer's shipped files (stylesheet, the small progressive-enhancement script) and the
 * service version, read once from the package itself: no CDN, no build step. Works from the
 * sources (tsx) and from dist/ alike by walking up to the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ASSETS = 'src/ui/assets';

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface UiStaticFiles {
  /** By file name, e.g. `ui.css`. */
  readonly assets: ReadonlyMap<string, StaticFile>;
  /** `version` of package.json. */
  readonly version: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'ui.css': 'text/css; charset=utf-8',
  'ui.js': 'text/javascript; charset=utf-8',
};

export function loadUiStaticFiles(from: string = fileURLToPath(import.meta.url)): UiStaticFiles {
  const root = findPackageRoot(from);
  const assets = new Map<string, StaticFile>();
  for (const [name, contentType] of Object.entries(CONTENT_TYPES)) {
    assets.set(name, { body: readFileSync(join(root, ASSETS, name)), contentType });
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return { assets, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' };
}

function findPackageRoot(from: string): string {
  let directory = dirname(from);
  for (;;) {
    if (
      existsSync(join(directory, ASSETS, 'ui.css')) &&
      existsSync(join(directory, 'package.json'))
    )
      return directory;
    const parent = resolve(directory, '..');
    if (parent === directory) {
      throw new Error(`the viewer's files (${ASSETS}) were not found above ${from}`);
    }
    directory = parent;
  }
}
