/**
 * Runs the built CLI (`dist/src/cli/main.js`) as a real child process, for tests of signals,
 * exit codes and crashes. Needs `npm run build` first; `make test` builds before testing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ENCRYPTION_ENV } from './encryptionKey.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN_JS = join(ROOT, 'dist/src/cli/main.js');

/** A skip reason for tap when the CLI is not built, else false. */
export const notBuilt: string | false = existsSync(MAIN_JS)
  ? false
  : `not built yet: ${MAIN_JS} (run npm run build)`;

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code, or the signal name when killed. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  stdout(): string;
  stderr(): string;
}

export function spawnCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  main: string = MAIN_JS,
): CliProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', main, ...args], {
    cwd,
    // The service requires LEDGER_ENCRYPTION_KEY; a test may override it or set LEDGER_ENCRYPTION.
    env: { PATH: process.env.PATH ?? '', ...ENCRYPTION_ENV, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Resolves with the port from the service's `listening` log line; rejects if it exits first. */
export function listeningPort(cli: CliProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: cli.child.stdout });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          lines.close();
          resolve(entry.port);
        }
      } catch {
        // not a JSON log line
      }
    });
    void cli.exited.then((code) =>
      reject(new Error(`service exited (${String(code)}) before listening: ${cli.stderr()}`)),
    );
  });
}

/** Resolves with the exit code, or with 'still running' after `ms` (the child is left alone). */
export function exitWithin(cli: CliProcess, ms: number): Promise<number | string | null> {
  return Promise.race([
    cli.exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms).unref()),
  ]);
}

/** Resolves once the child has written anything to stdout or stderr (it is past start-up). */
export function firstOutput(cli: CliProcess): Promise<void> {
  return new Promise((resolve) => {
    cli.child.stdout.once('data', () => resolve());
    cli.child.stderr.once('data', () => resolve());
    void cli.exited.then(() => resolve());
  });
}

/** True while a process with this pid exists. */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
