/**
 * Whether a SQLite file holds no schema at all. SQLite creates a database file when it opens it,
 * before any schema is written, so this is what a process killed between the two leaves behind
 * (the event store and the key store both meet it).
 */
import type Database from 'better-sqlite3';

export function holdsNoSchema(db: Database.Database): boolean {
  return (
    db
      .prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
      .pluck()
      .get() === 0
  );
}
