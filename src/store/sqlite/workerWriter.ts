/**
 * The store's writer in a `worker_threads` Worker (`writerThread.ts`), so the inserts and the
 * COMMIT's fsync run beside the main thread's event loop instead of blocking it. Semantics are
 * those of the in-thread group commit: appends are sent in batches (one message per turn of the
 * event loop), written one savepoint each, and every caller settles only once the writer
 * reports the COMMIT that holds its events. Answers come back in the order appends were sent.
 *
 * The thread starts on the first write, and only keeps the process alive while writes are in
 * flight (an open store alone never did). From source the thread runs through tsx
 * (lib/startWorker.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../lib/startWorker.js';
import { StoreUnavailableError, type AppendResult, type EventStoreError } from '../eventStore.js';
import type { AppendRequest } from './applyAppend.js';
import { createBatchSettler, type BatchSettlerOptions, type Waiter } from './batchSettler.js';
import {
  fromWireError,
  fromWireOutcome,
  type FromWriter,
  type ToWriter,
  type WriterThreadData,
} from './writerProtocol.js';
import type { Writer } from './writer.js';

export interface WorkerWriterOptions extends WriterThreadData, BatchSettlerOptions {
  readonly clock: () => Date;
}

interface Check {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const ENTRY = new URL('./writerThread.js', import.meta.url);

export function createWorkerWriter(options: WorkerWriterOptions): Writer {
  const { logger } = options;
  const settler = createBatchSettler(options);
  const threadData: WriterThreadData = {
    path: options.path,
    busyTimeoutMs: options.busyTimeoutMs,
    maxBatchSize: options.maxBatchSize,
    chain: options.chain,
  };
  let worker: Worker | undefined;
  let referenced = false;
  /** Every append sent or not yet sent, in order; the writer answers in that order. */
  let waiters: Waiter[] = [];
  let unsent: AppendRequest[] = [];
  const checks: Check[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let closing: Promise<void> | undefined;
  let finishClose: (() => void) | undefined;

  function start(): Worker {
    const thread = startWorker(ENTRY, import.meta.url, threadData);
    thread.unref();
    thread.on('message', (message: FromWriter) => onMessage(thread, message));
    thread.on('error', (error) => stopped(thread, error));
    thread.on('messageerror', (error) => stopped(thread, error));
    thread.on('exit', (code) => stopped(thread, new Error(`writer thread exited (${code})`)));
    return thread;
  }

  function post(message: ToWriter): void {
    worker ??= start();
    worker.postMessage(message);
  }

  /** Keeps the process alive exactly while something waits for the writer. */
  function updateRef(): void {
    const busy = waiters.length > 0 || checks.length > 0 || finishClose !== undefined;
    if (worker === undefined || busy === referenced) return;
    referenced = busy;
    if (busy) worker.ref();
    else worker.unref();
  }

  /**
   * One message per turn of the event loop, sent without waiting for the writer's answer to
   * the previous one: the writer takes every message that arrived during its COMMIT into the
   * next transaction, so it never sits idle waiting for this thread to notice a COMMIT. Waiting
   * for each answer before sending cost ~10 % of throughput under load (npm run bench:ingress).
   */
  function scheduleSend(): void {
    if (unsent.length > 0) scheduled ??= setImmediate(sendUnsent);
  }

  function sendUnsent(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (unsent.length === 0) return;
    const requests = unsent;
    unsent = [];
    // Neither can fail in practice (a broken injected clock, a message that cannot be cloned),
    // but they run from setImmediate: answer the appends rather than crash the process.
    try {
      post({ type: 'append', recordedAt: options.clock().toISOString(), requests });
    } catch (error) {
      const failure = new StoreUnavailableError('event store writer unreachable', { cause: error });
      settler.failed(waiters.splice(waiters.length - requests.length), failure, error);
      return;
    }
  }

  function onMessage(thread: Worker, message: FromWriter): void {
    if (thread !== worker) return;
    switch (message.type) {
      case 'committed': {
        const outcomes = message.outcomes.map(fromWireOutcome);
        settler.committed(waiters.splice(0, outcomes.length), outcomes, message.durationMs);
        break;
      }
      case 'failed': {
        const failure = unavailable(fromWireError(message.error));
        settler.failed(waiters.splice(0, message.count), failure, failure);
        break;
      }
      case 'checked': {
        const check = checks.shift();
        if (message.error === undefined) check?.resolve();
        else check?.reject(fromWireError(message.error));
        break;
      }
      case 'log':
        logger?.error({ code: message.code }, message.message);
        break;
      case 'fatal':
        stopped(thread, unavailable(fromWireError(message.error)));
        return;
      case 'closed':
        worker = undefined;
        void thread.terminate().then(() => finishClose?.());
        return;
    }
    updateRef();
  }

  /** The thread is gone (or useless): everything waiting on it fails; the next write restarts it. */
  function stopped(thread: Worker, cause: unknown): void {
    if (thread !== worker) return;
    worker = undefined;
    referenced = false;
    void thread.terminate();
    const failure =
      cause instanceof StoreUnavailableError
        ? cause
        : new StoreUnavailableError('event store writer stopped', { cause });
    logger?.error({ err: cause }, 'event store writer thread stopped');
    const lost = waiters;
    waiters = [];
    unsent = [];
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    for (const check of checks.splice(0)) check.reject(failure);
    // Appends of a batch the thread had committed but not yet reported are rejected too;
    // retrying them is safe, since the store answers a repeated id as a duplicate.
    settler.failed(lost, failure, cause);
    finishClose?.();
  }

  return {
    append(request) {
      return new Promise<AppendResult>((resolve, reject) => {
        waiters.push({ resolve, reject });
        unsent.push(compact(request));
        worker ??= start();
        scheduleSend();
        updateRef();
      });
    },
    checkWritable() {
      return new Promise<void>((resolve, reject) => {
        checks.push({ resolve, reject });
        post({ type: 'check' });
        updateRef();
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        sendUnsent();
        if (worker === undefined) return resolve();
        finishClose = resolve;
        post({ type: 'close' });
        updateRef();
      });
      return closing;
    },
    stats: () => settler.stats(),
  };
}

function unavailable(error: EventStoreError): StoreUnavailableError {
  return error instanceof StoreUnavailableError
    ? error
    : new StoreUnavailableError(error.message, { cause: error });
}

/**
 * A Buffer is often a view into a much larger allocation (an HTTP read, Node's 8 KiB pool), and
 * structured clone copies the whole backing buffer: send only the event's own bytes.
 */
function compact(request: AppendRequest): AppendRequest {
  if (request.events.every(({ data }) => isWhole(data))) return request;
  const events = request.events.map((event) =>
    isWhole(event.data) ? event : { ...event, data: new Uint8Array(event.data) },
  );
  return { ...request, events };
}

function isWhole(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}
