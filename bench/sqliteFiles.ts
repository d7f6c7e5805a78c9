/** The files of a SQLite database in WAL mode, removed together before a pass writes it anew. */
import { rmSync } from 'node:fs';

/** Removes the database at `path` with its WAL and shared-memory files; absent ones are fine. */
export function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}
