/**
 * A rebuild's writes, in a thread of their own. On the bulk path the reading thread spent about
 * a third of a rebuild running statements and committing them (bench:rebuild, "writing"); here
 * it only encodes the rows and hands each flush's statements over, in parts, to a writer thread
 * with its own connection to the same file, and goes on staging the next events while the
 * thread runs and commits them (bulkWriterThread.ts).
 *
 * Each flush is still one transaction with its checkpoint, so a crash leaves the generation at
 * its last committed checkpoint. The check that the generation is still the one the build
 * started from (target.ts, the fence) moves with it: the thread makes it inside the transaction
 * and, when it fails, rolls back and reports it; the build then stops that projection
 * ('superseded'). Reads of the read model wait for the statements in flight (`beforeRead`), so
 * a document written out by a spill is read back as written.
 *
 * Waits are synchronous (Atomics.wait on a counter the thread advances, answers taken with
 * receiveMessageOnPort): a flush used to block the reading thread for as long as it wrote, and a
 * wait blocks it for no longer than that.
 */
import {
  MessageChannel,
  receiveMessageOnPort,
  type MessagePort,
  type Worker,
} from 'node:worker_threads';
import { once } from 'node:events';
import type { Statement } from 'better-sqlite3';
import { startWorker } from '../lib/startWorker.js';
import type { GenerationState } from './generations.js';
import type { ReadModelDb } from './readModelStore.js';
import type { StatementSink } from './writeQueue.js';

/** What the thread checks before a flush's first statement: the generation is as staged from. */
export interface FlushFence {
  readonly projection: string;
  readonly generation: number;
  readonly state: GenerationState;
  readonly base: string | null;
}

/** A flush the thread did not write: its generation is gone or another writer moved it. */
export interface FenceFailure {
  readonly projection: string;
  readonly generation: number;
  readonly outcome: 'gone' | 'conflict';
}

/** One message to the thread: a part of a flush (statements as SQL text and parameters). */
export type WriterPart =
  | {
      readonly kind: 'part';
      readonly seq: number;
      /** On a flush's first part only. */
      readonly fence: FlushFence | undefined;
      /** SQL text and parameters, alternating. */
      readonly ops: unknown[];
      readonly last: boolean;
    }
  | { readonly kind: 'abort'; readonly seq: number }
  /** Roll back what is open, close the connection and end the thread. */
  | { readonly kind: 'close' };

/** What the thread answers, only for flushes it did not commit. */
export type WriterReply =
  | { readonly seq: number; readonly fence: FenceFailure }
  | { readonly seq: number; readonly error: string };

export interface WriterData {
  readonly path: string;
  /** One Int32: parts the thread has finished with. */
  readonly done: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** Statements per part: large enough to cost little per message, small enough to bound memory. */
const PART_OPS = 2048;
/** Parts handed over and not yet written; past it, the reading thread waits. */
const MAX_PARTS_IN_FLIGHT = 4;
/** No part finished for this long: the thread is taken for dead. */
const STALL_MS = 120_000;

const ENTRY = new URL('./bulkWriterThread.js', import.meta.url);

export class BulkWriter implements StatementSink {
  private seq = 0;
  private ops: unknown[] = [];
  private fence: FlushFence | undefined;
  private open = false;
  private posted = 0;
  private failure: Error | undefined;
  private readonly fenceFailures: FenceFailure[] = [];
  private readonly done: Int32Array;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    done: SharedArrayBuffer,
    private readonly replies: MessagePort,
  ) {
    this.done = new Int32Array(done);
  }

  /**
   * A writer for the read model `db` is the connection of, or undefined where a thread cannot
   * share it (an in-memory database) or cannot start: the caller then writes on its own thread.
   */
  static open(db: ReadModelDb): BulkWriter | undefined {
    if (db.memory || db.readonly || db.name === '') return undefined;
    const done = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    try {
      const data: WriterData = { path: db.name, done, port: port2 };
      const worker = startWorker(ENTRY, import.meta.url, data, [port2]);
      return new BulkWriter(worker, done, port1);
    } catch {
      port1.close();
      return undefined;
    }
  }

  /** Starts a flush; its statements follow (`run`), then `end` commits it or `abort` drops it. */
  begin(fence: FlushFence): void {
    this.check();
    this.seq += 1;
    this.fence = fence;
    this.open = true;
    this.ops = [];
  }

  run(statement: Statement<unknown[]>, params: unknown[]): void {
    if (!this.open) throw new Error('a read-model statement outside a flush');
    this.ops.push(statement.source, params);
    if (this.ops.length >= 2 * PART_OPS) this.post(false);
  }

  end(): void {
    this.post(true);
    this.open = false;
  }

  abort(): void {
    if (!this.open) return;
    this.open = false;
    this.ops = [];
    this.send({ kind: 'abort', seq: this.seq });
  }

  /** Waits for every statement handed over (the reads that follow see them). */
  beforeRead(): void {
    this.waitUntil(this.posted);
    this.check();
  }

  /** Flushes the thread refused since the last call (their projections must stop). */
  takeFenceFailures(): FenceFailure[] {
    this.drainReplies();
    this.check();
    return this.fenceFailures.splice(0);
  }

  /**
   * Ends the thread once it has run what it was handed (a flush left open is rolled back). The
   * thread closes its connection itself: a thread terminated with a transaction open would keep
   * holding the database's write lock for as long as this process lives.
   */
  close(): Promise<void> {
    this.closed ??= this.stop();
    return this.closed;
  }

  private async stop(): Promise<void> {
    const exited = once(this.worker, 'exit');
    this.worker.postMessage({ kind: 'close' } satisfies WriterPart);
    const timer = setTimeout(() => void this.worker.terminate(), STALL_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
      this.replies.close();
    }
  }

  private post(last: boolean): void {
    const part: WriterPart = {
      kind: 'part',
      seq: this.seq,
      fence: this.fence,
      ops: this.ops,
      last,
    };
    this.fence = undefined;
    this.ops = [];
    this.send(part);
  }

  private send(part: WriterPart): void {
    this.waitUntil(this.posted - MAX_PARTS_IN_FLIGHT + 1);
    this.check();
    this.worker.postMessage(part);
    this.posted += 1;
  }

  private waitUntil(parts: number): void {
    let last = Atomics.load(this.done, 0);
    let since = Date.now();
    while (last < parts) {
      Atomics.wait(this.done, 0, last, 1000);
      const now = Atomics.load(this.done, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        this.failure ??= new Error('the read-model writer thread stopped answering');
        return;
      }
    }
    this.drainReplies();
  }

  private drainReplies(): void {
    for (;;) {
      const received = receiveMessageOnPort(this.replies);
      if (received === undefined) return;
      const reply = received.message as WriterReply;
      if ('fence' in reply) this.fenceFailures.push(reply.fence);
      else this.failure ??= new Error(`writing the read model failed: ${reply.error}`);
    }
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed !== undefined) throw new Error('the read-model writer thread is closed');
  }
}
