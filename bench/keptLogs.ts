/**
 * Logs kept between bench:rebuild runs (`--logs DIR`). Writing a million-event log takes
 * minutes, and a run stopped meanwhile leaves a partial events.db that looks like any other:
 * reused, it made the next run compare a 415,000-event plaintext log with a 1,000,000-event
 * encrypted one. So a log counts as kept only once a marker beside it says it was written to
 * the end, and for which size.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDatabase } from './sqliteFiles.js';

interface LogSize {
  readonly events: number;
  readonly customers: number;
}

const MARKER = 'complete.json';

/** True when `dir` holds a log written to the end, of this size. */
export function isKeptLog(dir: string, size: LogSize): boolean {
  const marker = join(dir, MARKER);
  if (!existsSync(marker) || !existsSync(join(dir, 'events.db'))) return false;
  const kept = JSON.parse(readFileSync(marker, 'utf8')) as Partial<LogSize>;
  return kept.events === size.events && kept.customers === size.customers;
}

/** Removes what an earlier (perhaps interrupted) write left in `dir`, before writing anew. */
export function discardLog(dir: string): void {
  rmSync(join(dir, MARKER), { force: true });
  removeDatabase(join(dir, 'events.db'));
  removeDatabase(join(dir, 'keys.db'));
}

/** Marks the log in `dir` as written to the end. */
export function markKept(dir: string, size: LogSize): void {
  writeFileSync(join(dir, MARKER), `${JSON.stringify(size)}\n`);
}
