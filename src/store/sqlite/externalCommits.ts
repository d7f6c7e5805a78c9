/**
 * Notices commits made by other processes on the same file (e.g. a CLI appending while the
 * service runs), so live subscriptions wake without busy polling.
 *
 * Choice: `PRAGMA data_version` is the truth (it changes exactly when another connection has
 * committed since this connection last asked, and costs microseconds). It is checked
 * - when `fs.watch` reports a change in the database's directory (the other process writing
 *   the `-wal` file; inotify on Linux), immediately and once more shortly after, because the
 *   last write to the WAL can precede the moment the commit becomes visible; and
 * - on a slow safety timer (seconds), for file systems where fs.watch reports nothing.
 * All of it runs only while at least one subscription is open; the timer keeps the process alive
 * meanwhile, because another process may still append.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../lib/logger.js';

export interface ExternalCommitsOptions {
  readonly path: string;
  readonly dataVersion: () => number;
  readonly onExternalCommit: () => void;
  readonly intervalMs: number;
  readonly logger?: Logger;
}

export interface ExternalCommitWatch {
  /** A subscription started following the log. */
  retain(): void;
  /** A subscription ended. */
  release(): void;
  /**
   * This store's own writer thread committed (its connection is "another connection" to
   * `data_version`). The caller announces that commit itself; this only stops it from being
   * announced a second time.
   */
  ownCommit(): void;
  close(): void;
}

const SETTLE_MS = 50;

export function watchExternalCommits(options: ExternalCommitsOptions): ExternalCommitWatch {
  const { path, intervalMs, logger } = options;
  const fileName = basename(path);
  let users = 0;
  let lastVersion = 0;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settleTimer: NodeJS.Timeout | undefined;

  function check(): void {
    let version: number;
    try {
      version = options.dataVersion();
    } catch {
      return; // closing; nobody is left to wake
    }
    if (version === lastVersion) return;
    lastVersion = version;
    options.onExternalCommit();
  }

  function onFileEvent(_event: string, changed: string | Buffer | null): void {
    if (changed !== null && !String(changed).startsWith(fileName)) return;
    check();
    // Trailing check, re-armed by every event: runs once the other process has gone quiet.
    clearTimeout(settleTimer);
    settleTimer = setTimeout(check, SETTLE_MS);
  }

  function start(): void {
    lastVersion = options.dataVersion();
    // Not unref'd: a live subscription keeps the process alive, as another process may append.
    timer = setInterval(check, intervalMs);
    if (path === ':memory:') return;
    try {
      watcher = watch(dirname(path), { persistent: false }, onFileEvent);
      watcher.on('error', (error) => {
        logger?.warn({ err: error }, 'event store directory watch failed; using the timer only');
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      logger?.warn({ err: error }, 'cannot watch the event store directory; using the timer only');
    }
  }

  function stop(): void {
    clearInterval(timer);
    clearTimeout(settleTimer);
    timer = settleTimer = undefined;
    watcher?.close();
    watcher = undefined;
  }

  return {
    retain() {
      users += 1;
      if (users === 1) start();
    },
    release() {
      users -= 1;
      if (users === 0) stop();
    },
    ownCommit() {
      if (users === 0) return;
      try {
        lastVersion = options.dataVersion();
      } catch {
        // closing; nobody is left to wake
      }
    },
    close() {
      users = 0;
      stop();
    },
  };
}
