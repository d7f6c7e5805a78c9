/**
 * The statements of one flush of one document store, run in the order they were issued, each
 * once the sealed values it stores are ready (sealedColumns.ts, SealBatch). Without a batch,
 * or with nothing waiting, a statement runs at once. Runs inside the caller's transaction:
 * `finish` before it commits, `discard` when it failed.
 */
import type { Statement } from 'better-sqlite3';
import type { SealBatch, Tickets } from './sealedColumns.js';

/** Statements that may wait for sealed values before the queue waits for them. */
const MAX_WAITING = 512;

interface Queued {
  readonly statement: Statement<unknown[]>;
  readonly params: unknown[];
  readonly tickets: Tickets | undefined;
}

export class WriteQueue {
  private queued: Queued[] = [];
  private head = 0;

  constructor(private readonly batch: SealBatch | undefined) {}

  /** Tickets to pass to a row sealer; undefined seals in place. */
  tickets(): Tickets | undefined {
    return this.batch === undefined ? undefined : [];
  }

  run(statement: Statement<unknown[]>, params: unknown[], tickets?: Tickets): void {
    const waiting = tickets !== undefined && tickets.length > 0 ? tickets : undefined;
    if (waiting === undefined && this.head === this.queued.length) {
      statement.run(...params);
      return;
    }
    this.queued.push({ statement, params, tickets: waiting });
    // Waiting statements hold their rows: past a bound, wait for (or help with) their seals
    // rather than let a large flush's rows pile up into V8's old generation.
    this.drain(this.queued.length - this.head > MAX_WAITING);
  }

  /** Runs every queued statement, waiting for their sealed values. */
  finish(): void {
    try {
      this.drain(true);
    } finally {
      this.reset();
    }
  }

  /** Drops what is queued (the transaction failed). */
  discard(): void {
    this.reset();
  }

  private drain(wait: boolean): void {
    const batch = this.batch;
    while (this.head < this.queued.length) {
      const next = this.queued[this.head]!;
      if (next.tickets !== undefined && batch !== undefined) {
        if (!wait && !next.tickets.every(([, ticket]) => batch.ready(ticket))) return;
        for (const [index, ticket] of next.tickets) next.params[index] = batch.take(ticket);
      }
      this.head += 1;
      next.statement.run(...next.params);
    }
    this.queued = [];
    this.head = 0;
  }

  private reset(): void {
    this.queued = [];
    this.head = 0;
    this.batch?.end();
  }
}
