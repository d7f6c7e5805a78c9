/**
 * Unwrapping the keys read ahead (keyReadAhead.ts) in a helper thread. A rebuild, `verify` or an
 * export asks for nearly every data key once, and each first ask unwrapped its key on the
 * reading thread: an AES-256-GCM call under the master key, ~15-18 µs on the bench machine with
 * its AAD, ~0.9 µs an event of the 200,000-event bench log (10,000 customers, 20 events each),
 * all of it on the thread the rebuild waits for. Once the rows are read ahead, their keys are
 * unwrapped here, in chunks in the order of the scan (the order keys were created, which is
 * roughly the order a log meets its customers), and each key goes back as 32 bytes. A lookup
 * that comes first unwraps its key itself as before; a key that fails to unwrap in the thread is
 * simply not delivered, so its lookup unwraps it and fails with the key store's own error.
 *
 * The thread holds the master key for as long as a chunk is out: the same process, which holds
 * it anyway; each job's copy is zeroed when the chunk is done, and the thread ends with the run.
 */
import { HelperThread } from '../lib/helperThread.js';
import type { KeyRow } from './keyRecords.js';
import type { MasterKey } from './masterKey.js';

export interface UnwrapJob {
  readonly seq: number;
  /** The master key's bytes (a copy, zeroed by the thread after use). */
  readonly master: ArrayBuffer;
  readonly subjects: readonly string[];
  readonly keyIds: readonly string[];
  /** The wrapped keys back to back; `ends[i]` is where key i's ends. */
  readonly wrapped: ArrayBuffer;
  readonly ends: Uint32Array;
}

export interface UnwrapReply {
  readonly seq: number;
  /** 32 bytes a key, in the job's order; zeros where `opened[i]` is 0. */
  readonly keys: ArrayBuffer;
  readonly opened: Uint8Array;
}

export const DATA_KEY_BYTES = 32;
/** Keys per job: small enough that the first keys come back while the scan's page is read. */
export const UNWRAP_CHUNK = 512;

const ENTRY = new URL('./unwrapThread.js', import.meta.url);

export class ParallelUnwrap {
  private thread: HelperThread<UnwrapReply> | undefined;

  constructor(private readonly master: MasterKey) {}

  /**
   * Unwraps the keys of `rows` (live ones with key material) chunk by chunk and hands each to
   * `deliver` as a buffer of its own. Resolves once every chunk came back or the run was
   * cancelled; a thread that cannot start or dies delivers nothing (the lookups unwrap).
   */
  async start(
    rows: readonly KeyRow[],
    deliver: (keyId: string, key: Buffer) => void,
  ): Promise<void> {
    this.cancel();
    const thread = new HelperThread<UnwrapReply>(ENTRY, import.meta.url);
    this.thread = thread;
    // Keys another master key wrapped are left to the lookups, which name the mismatch.
    const live = rows.filter((row) => row.wrapped !== null && row.master_key_id === this.master.id);
    const replies: Promise<void>[] = [];
    for (let first = 0; first < live.length; first += UNWRAP_CHUNK) {
      const chunk = live.slice(first, first + UNWRAP_CHUNK);
      const job = this.jobOf(chunk);
      const reply = thread.ask((seq) => ({ ...job, seq }), [job.master, job.wrapped]);
      replies.push(
        reply.then((answer) => {
          if (answer === undefined || this.thread !== thread) return;
          this.take(chunk, answer, deliver);
        }),
      );
    }
    await Promise.all(replies);
    if (this.thread === thread) this.cancel();
  }

  /** Stops the run: chunks still out are dropped when they come back, and the thread ends. */
  cancel(): void {
    const thread = this.thread;
    this.thread = undefined;
    if (thread !== undefined) void thread.close();
  }

  private jobOf(chunk: readonly KeyRow[]): Omit<UnwrapJob, 'seq'> {
    const ends = new Uint32Array(chunk.length);
    let total = 0;
    chunk.forEach((row, i) => {
      total += row.wrapped!.length;
      ends[i] = total;
    });
    const wrapped = new ArrayBuffer(total);
    const bytes = new Uint8Array(wrapped);
    chunk.forEach((row, i) => bytes.set(row.wrapped!, i === 0 ? 0 : ends[i - 1]!));
    const master = new ArrayBuffer(this.master.key.length);
    new Uint8Array(master).set(this.master.key);
    return {
      master,
      subjects: chunk.map((row) => row.subject),
      keyIds: chunk.map((row) => row.key_id),
      wrapped,
      ends,
    };
  }

  private take(
    chunk: readonly KeyRow[],
    reply: UnwrapReply,
    deliver: (keyId: string, key: Buffer) => void,
  ): void {
    const keys = new Uint8Array(reply.keys);
    chunk.forEach((row, i) => {
      if (reply.opened[i] !== 1) return;
      // A buffer of its own (never Node's shared pool), as unwrapDataKey gives one.
      const key = Buffer.alloc(DATA_KEY_BYTES);
      key.set(keys.subarray(i * DATA_KEY_BYTES, (i + 1) * DATA_KEY_BYTES));
      deliver(row.key_id, key);
    });
    keys.fill(0);
  }
}
