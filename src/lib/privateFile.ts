/**
 * Data files hold personal data (webhook bodies, customer details): they are created readable by
 * their owner only. The CLI also sets a process-wide umask of 077 at start (cli/main.ts); the
 * explicit modes here hold for library use and for anything created before or without it.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the parent directories (700) of `path`. */
export function makePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

/**
 * Makes sure the SQLite file at `path` exists with mode 600 (and its new parent directories
 * 700) before SQLite opens it: SQLite creates `-wal`, `-shm` and journal files with the mode of
 * the database file, so they are covered too. An existing file is left as it is (opened for
 * appending, never truncated, its mode unchanged); an empty file is a valid empty database.
 */
export function preparePrivateDatabaseFile(path: string): void {
  makePrivateDirectory(dirname(path));
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}
