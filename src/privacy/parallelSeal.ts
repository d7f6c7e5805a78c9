/**
 * Sealing read-model values beside the writing thread (the SealBatch of sealedColumns.ts). A
 * rebuild's flush seals tens of thousands of values, a cipher each (~5 µs): on the writing
 * thread that was most of encryption's cost to a rebuild. Here a flush submits each value and
 * goes on deriving and writing the next documents' rows while the seal thread works through
 * the queue in chunks; a statement that needs a sealed value takes it when it runs, waiting
 * (Atomics.wait, inside the write transaction) only if the thread is behind. The first values
 * of a flush are sealed in place: a live batch's few values are not worth a round trip.
 */
import { receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import { startWorker } from '../lib/startWorker.js';
import type { SealingKey } from './keyRecords.js';
import type { KeyStore } from './keyStore.js';
import { sealUnder, sealValue } from './sealedValue.js';

export interface SealThreadSetup {
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
}

export interface SealChunk {
  readonly first: number;
  /** 32-byte data keys back to back, one per value. */
  readonly keys: ArrayBuffer;
  readonly keyIds: readonly string[];
  readonly subjects: readonly string[];
  readonly purposes: readonly string[];
  readonly plaintexts: readonly string[];
}

export interface SealDone {
  readonly first: number;
  /** The chunk's sealed values back to back (transferred); `ends[i]` is where value i ends. */
  readonly sealed: ArrayBuffer;
  readonly ends: Uint32Array;
}

/** Values a flush seals in place before it hands the rest to the thread. */
export const SEAL_IN_PLACE = 16;
/** Values per message to the thread. */
const CHUNK = 128;
/** How long the writer waits for the thread before sealing what is left itself. */
const STALL_MS = 10_000;

interface Request {
  readonly key: Buffer;
  readonly keyId: string;
  readonly subject: string;
  readonly purpose: string;
  readonly plaintext: string;
}

const ENTRY = new URL('./sealThread.js', import.meta.url);

export class ParallelSeal {
  private next = 0;
  /** Tickets below this belong to a flush that was discarded: their results are dropped. */
  private base = 0;
  private inFlush = 0;
  private readonly results = new Map<number, Uint8Array>();
  /** Submitted to the thread and not yet sealed (kept to seal in place if the thread fails). */
  private readonly outstanding = new Map<number, Request>();
  /** The outstanding tickets in submission order, for the writer to seal from the newest. */
  private order: number[] = [];
  private chunk: { first: number; requests: Request[] } | undefined;
  private thread: { port: MessagePort; signal: Int32Array } | undefined;
  private failed = false;
  private chunksReceived = 0;
  /** Values the thread sealed (the others were sealed in place). */
  sealedInThread = 0;
  private lastSubject: string | undefined;
  private lastKey: SealingKey | undefined;

  constructor(private readonly keys: KeyStore) {}

  /** A ticket, or `plaintext` itself when the subject never had a key (nothing to seal). */
  submit(subject: string, purpose: string, plaintext: string): number | string {
    // The rule of sealUnder (sealedValue.ts); only a live key's values go to the thread.
    const target = this.sealingKey(subject);
    if (target === undefined) return plaintext;
    const ticket = this.next++;
    if (target.kind === 'destroyed' || this.inFlush++ < SEAL_IN_PLACE || this.failed) {
      this.results.set(ticket, sealUnder(target, subject, purpose, plaintext));
      return ticket;
    }
    const key = target.key;
    const request = { key: key.key, keyId: key.keyId, subject, purpose, plaintext };
    this.outstanding.set(ticket, request);
    this.order.push(ticket);
    this.chunk ??= { first: ticket, requests: [] };
    this.chunk.requests.push(request);
    if (this.chunk.requests.length >= CHUNK) this.post();
    return ticket;
  }

  /** True when the ticket's value is sealed; never waits. */
  ready(ticket: number): boolean {
    if (this.results.has(ticket)) return true;
    while (this.receive());
    return this.results.has(ticket);
  }

  /** The ticket's sealed value, waiting for the thread if needed. */
  take(ticket: number): Uint8Array {
    let value = this.results.get(ticket);
    if (value === undefined) {
      if (this.chunk !== undefined && ticket >= this.chunk.first) this.post();
      value = this.await(ticket);
    }
    this.results.delete(ticket);
    return value;
  }

  /**
   * The key store's answer, remembered for the subject asked last: a document's rows seal their
   * values one after another under one customer's key. Within a flush (synchronous, one turn of
   * the event loop) the key store would give the same answer: it reads PRAGMA data_version once
   * per turn.
   */
  private sealingKey(subject: string): SealingKey | undefined {
    if (subject !== this.lastSubject) {
      this.lastSubject = subject;
      this.lastKey = this.keys.sealingKey(subject);
    }
    return this.lastKey;
  }

  /** The flush is over (or was abandoned): nothing it submitted is kept. */
  end(): void {
    this.lastSubject = undefined;
    this.lastKey = undefined;
    this.inFlush = 0;
    this.results.clear();
    this.outstanding.clear();
    this.order = [];
    this.chunk = undefined;
    this.base = this.next;
  }

  /** Stops using the thread (values are sealed in place from now on). */
  close(): void {
    this.thread?.port.close();
    this.thread = undefined;
    this.failed = true;
  }

  private await(ticket: number): Uint8Array {
    const thread = this.thread;
    const started = Date.now();
    while (thread !== undefined && !this.failed) {
      const seen = Atomics.load(thread.signal, 0);
      if (this.receive()) {
        const value = this.results.get(ticket);
        if (value !== undefined) return value;
        continue;
      }
      // Rather than wait, seal the newest outstanding value here while the thread works from
      // the oldest (a value both seal is taken from whichever is first: both are valid).
      if (this.sealNewest()) {
        const value = this.results.get(ticket);
        if (value !== undefined) return value;
        continue;
      }
      if (Date.now() - started > STALL_MS) break;
      Atomics.wait(thread.signal, 0, seen, 100);
    }
    // The thread is gone or stalled: seal the rest here, in order.
    this.failed = true;
    for (const [t, r] of this.outstanding) {
      this.results.set(t, sealValue(r.key, r.keyId, r.subject, r.purpose, r.plaintext));
    }
    this.outstanding.clear();
    this.order = [];
    return this.results.get(ticket)!;
  }

  /** Seals the newest outstanding value in place; false when none is left. */
  private sealNewest(): boolean {
    while (this.order.length > 0) {
      const ticket = this.order.pop()!;
      const r = this.outstanding.get(ticket);
      if (r === undefined) continue;
      this.outstanding.delete(ticket);
      this.results.set(ticket, sealValue(r.key, r.keyId, r.subject, r.purpose, r.plaintext));
      return true;
    }
    return false;
  }

  /** Takes one finished chunk off the port; false when there is none. */
  private receive(): boolean {
    const thread = this.thread;
    // The thread counts the chunks it posted: reading that shared counter is much cheaper than
    // asking the port, which the writer would otherwise do for every row while it waits.
    if (thread === undefined || Atomics.load(thread.signal, 0) === this.chunksReceived)
      return false;
    const received = receiveMessageOnPort(thread.port);
    if (received === undefined) return false;
    this.chunksReceived += 1;
    const done = received.message as SealDone;
    // Views into the one transferred buffer: a statement binding one copies its bytes.
    let start = 0;
    for (let i = 0; i < done.ends.length; i++) {
      const ticket = done.first + i;
      const end = done.ends[i]!;
      if (ticket >= this.base && this.outstanding.delete(ticket)) {
        this.results.set(ticket, new Uint8Array(done.sealed, start, end - start));
      }
      start = end;
    }
    return true;
  }

  private post(): void {
    const chunk = this.chunk;
    this.chunk = undefined;
    if (chunk === undefined) return;
    const { requests } = chunk;
    try {
      const thread = this.start();
      const keys = new ArrayBuffer(requests.length * 32);
      const keyBytes = new Uint8Array(keys);
      requests.forEach((r, i) => keyBytes.set(r.key, i * 32));
      const message: SealChunk = {
        first: chunk.first,
        keys,
        keyIds: requests.map((r) => r.keyId),
        subjects: requests.map((r) => r.subject),
        purposes: requests.map((r) => r.purpose),
        plaintexts: requests.map((r) => r.plaintext),
      };
      thread.port.postMessage(message, [keys]);
      this.sealedInThread += requests.length;
    } catch {
      // No thread: take() seals the outstanding values here.
      this.failed = true;
    }
  }

  private start(): NonNullable<ParallelSeal['thread']> {
    if (this.thread !== undefined) return this.thread;
    const worker = sharedThread((error) => {
      if (error !== undefined) this.failed = true;
    });
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    const setup: SealThreadSetup = { port: port2, signal: shared };
    worker.postMessage(setup, [port2]);
    // Read with receiveMessageOnPort only: no listener, and it never holds the process open.
    port1.unref();
    this.thread = { port: port1, signal: new Int32Array(shared) };
    return this.thread;
  }
}

// One seal thread per process, whatever the number of read models (tests open many): it keeps
// no state between chunks, and an idle one does not hold the process open.
let thread: Worker | undefined;
const failures = new Set<(error: Error) => void>();

function sharedThread(onFailure: (error?: Error) => void): Worker {
  failures.add(onFailure);
  if (thread !== undefined) return thread;
  const worker = startWorker(ENTRY, import.meta.url, undefined);
  worker.unref();
  const fail = (error: Error): void => {
    if (thread === worker) thread = undefined;
    for (const f of failures) f(error);
    failures.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the seal thread exited (${code})`)));
  thread = worker;
  return worker;
}
