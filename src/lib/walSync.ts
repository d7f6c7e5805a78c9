/**
 * A SQLite commit made durable off the event loop. With `synchronous = FULL` a WAL commit calls
 * fdatasync on the calling thread, and better-sqlite3 runs on the event loop: every commit
 * stalls the whole process for the disk's flush (1-5 ms on the bench VM). A connection can
 * commit with `synchronous = NORMAL` instead (the frames are written to the WAL, not flushed)
 * and then flush the WAL here, in libuv's pool, before it acts on the commit. The commit is
 * then exactly as durable as under FULL: the flush starts after the frames were written, and a
 * checkpoint that moves them into the database file first syncs it (SQLite syncs the database
 * file after every checkpoint in NORMAL mode).
 */
import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

export class WalSync {
  private fd: number | undefined;
  private readonly walPath: string;

  /** For the database file at `databasePath`, opened in WAL mode by the caller's connection. */
  constructor(private readonly databasePath: string) {
    this.walPath = `${databasePath}-wal`;
  }

  /** Flushes the WAL (or the database file itself when it has none) to disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Inside the executor: a file that cannot be opened rejects, as a failed flush does.
      fdatasync(this.current(), (error) => (error === null ? resolve() : reject(error)));
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * The open WAL, reopened if the file was replaced. SQLite keeps one WAL file while any
   * connection is open (a checkpoint truncates it in place), so this is a guard, not a path.
   */
  private current(): number {
    let walIno: number | undefined;
    try {
      walIno = statSync(this.walPath).ino;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (this.fd !== undefined && fstatSync(this.fd).ino === walIno) return this.fd;
    this.close();
    // No WAL file: the commit's frames can only be in the database file (a checkpoint moved
    // them and the WAL was removed), so that is the file to flush.
    this.fd = openSync(walIno === undefined ? this.databasePath : this.walPath, 'r+');
    return this.fd;
  }
}
