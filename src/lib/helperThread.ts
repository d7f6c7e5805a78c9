/**
 * A helper thread that answers each job posted to it with one message naming the job's `seq`
 * (the decrypt thread of encryption at rest). Started on first use; it keeps the
 * process alive only while a job is out. When it cannot start, or dies, every job out and every
 * later one is answered `undefined`: the caller then does the work on its own thread.
 */
import type { Transferable, Worker } from 'node:worker_threads';
import { startWorker } from './startWorker.js';

export class HelperThread<Reply extends { readonly seq: number }> {
  private worker: Worker | undefined;
  private broken = false;
  private seq = 0;
  private readonly waiting = new Map<number, (reply: Reply | undefined) => void>();

  /** `entry` and `callerUrl` as for {@link startWorker}. */
  constructor(
    private readonly entry: URL,
    private readonly callerUrl: string,
  ) {}

  /** True once the thread could not start or died (or was closed): ask no more. */
  get failed(): boolean {
    return this.broken;
  }

  /** Posts the job `make` builds for its sequence number; the thread's reply, or undefined. */
  async ask(
    make: (seq: number) => { readonly seq: number },
    transfer: readonly Transferable[],
  ): Promise<Reply | undefined> {
    if (this.broken) return undefined;
    const seq = ++this.seq;
    try {
      const worker = this.start();
      const reply = new Promise<Reply | undefined>((resolve) => this.waiting.set(seq, resolve));
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage(make(seq), transfer);
      return await reply;
    } catch {
      this.waiting.delete(seq);
      this.broken = true;
      return undefined;
    }
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startWorker(this.entry, this.callerUrl, undefined);
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const resolve = this.waiting.get(reply.seq);
      this.waiting.delete(reply.seq);
      if (this.waiting.size === 0) worker.unref();
      resolve?.(reply);
    });
    const fail = (): void => {
      this.worker = undefined;
      this.broken = true;
      for (const resolve of this.waiting.values()) resolve(undefined);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.broken = true;
    if (worker !== undefined) await worker.terminate();
  }
}
