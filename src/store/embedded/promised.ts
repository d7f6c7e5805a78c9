/**
 * Runs a synchronous store operation now and hands its outcome back as a promise, so the port's
 * async methods reject (never throw) without an `async` wrapper around synchronous work.
 */
export function promised<T>(run: () => T): Promise<T> {
  // The executor runs synchronously, and a throw inside it rejects the promise.
  return new Promise<T>((resolve) => resolve(run()));
}
