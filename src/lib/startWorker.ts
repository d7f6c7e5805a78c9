/**
 * Starts a `worker_threads` Worker on a module of this package, from the build or from source.
 * Node 20 applies neither `--import` nor registered loader hooks to a Worker's entry module, so
 * from source (tests import `src/*.ts`) a bootstrap registers tsx inside the thread first.
 * tsx's require hook (it compiles the ESM sources to CommonJS) starts in ~40 ms; its ESM hooks
 * would need a loader thread of their own per Worker (~200 ms), which the many stores of a test
 * run would feel.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

export interface StartWorkerOptions {
  /** V8 heap limits of the thread (a rebuild's thread gets a larger young generation). */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * `entry` is the thread module's URL with a `.js` extension, resolved against the caller's
 * `import.meta.url`; `callerUrl` tells whether the caller itself runs from source.
 */
export function startWorker(
  entry: URL,
  callerUrl: string,
  workerData: unknown,
  options: StartWorkerOptions = {},
): Worker {
  const { resourceLimits } = options;
  if (!callerUrl.endsWith('.ts')) return new Worker(entry, { workerData, resourceLimits });
  const source = new URL(entry.href.replace(/\.js$/, '.ts'));
  const tsx = JSON.stringify(createRequire(callerUrl).resolve('tsx/cjs/api'));
  const bootstrap = `require(${tsx}).register(); require(${JSON.stringify(fileURLToPath(source))});`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [], resourceLimits });
}
