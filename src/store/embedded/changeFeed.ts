import { EventEmitter } from 'node:events';

/**
 * Wakes idle subscriptions when the log may have grown. A version counter makes it race-free:
 * a subscriber notes the version before it reads, and waiting for "a version other than the
 * one I read at" returns at once if a commit slipped in between.
 */
export interface ChangeFeed {
  readonly version: number;
  /** Called after every COMMIT (and when another process is seen committing). */
  notify(): void;
  /** Resolves once the version differs from `since`, the signal aborts, or the feed closes. */
  wait(since: number, signal: AbortSignal): Promise<void>;
  /** Wakes every waiter for good; later waits return at once. */
  close(): void;
}

export function createChangeFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  // One listener per idle subscription; many projections may follow the log at once.
  emitter.setMaxListeners(0);
  let version = 0;
  let closed = false;

  return {
    get version() {
      return version;
    },
    notify() {
      version += 1;
      emitter.emit('change');
    },
    wait(since, signal) {
      if (closed || signal.aborted || version !== since) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          emitter.off('change', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        emitter.on('change', done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    close() {
      closed = true;
      emitter.emit('change');
    },
  };
}
