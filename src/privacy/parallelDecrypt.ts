/**
 * Decryption of large pages in a thread of its own. A rebuild, `verify` or an export reads the
 * log in pages of thousands of events, and opening each envelope (AES-256-GCM through
 * node:crypto, ~3-5 µs with the cipher's set-up) on the reading thread added about a quarter to
 * an encrypted rebuild. Here the reading thread only looks the keys up (planDecrypt, the same
 * code as for one event) and copies the page's envelopes into one buffer; the decrypt thread
 * opens them while the reader works on the page before (a rebuild reads one page ahead), and
 * hands the plaintext back in one transferred buffer, with each plaintext's UTF-8 text and
 * content hash (what the projections parse and break ties with, computed there while the bytes
 * are at hand). Small pages (the live runner's, single streams) stay on the reading thread: a
 * round trip would cost more than it saves.
 */
import { fnvHex } from '../events/fnvHash.js';
import { HelperThread } from '../lib/helperThread.js';
import type { RecordedEvent } from '../store/eventStore.js';
import { EnvelopeError } from './envelope.js';
import { openedAs, planDecrypt, tryOpen, type EncryptionMetadata } from './encryptionMetadata.js';
import { packEvents, type EventPack, type PackedEvent } from './eventPack.js';
import type { KeyLookup } from './keyRecords.js';

/** The envelopes of a page to open (eventPack.ts). */
export interface DecryptJob extends EventPack {
  readonly seq: number;
}

export interface DecryptReply {
  readonly seq: number;
  readonly plain: ArrayBuffer;
  readonly ends: Uint32Array;
  /** Per event, the FNV-1a of its plaintext (fnvHash.ts; 0 where it did not open). */
  readonly fnv: Uint32Array;
  /** The page's plaintexts decoded as UTF-8, back to back; `textEnds[i]` is where event i's ends. */
  readonly text: string;
  readonly textEnds: Uint32Array;
  /** Events whose envelope did not open, with the reason (as EnvelopeError says it). */
  readonly problems: readonly [number, string][];
}

/** Pages with fewer events to open than this are decrypted on the reading thread. */
export const PARALLEL_DECRYPT_MIN_EVENTS = 256;

const ENTRY = new URL('./decryptThread.js', import.meta.url);

export class ParallelDecrypt {
  private readonly thread = new HelperThread<DecryptReply>(ENTRY, import.meta.url);
  /** Pages the decrypt thread opened (the others were opened on the reading thread). */
  pagesInThread = 0;

  /**
   * The page as decryptEvent would read it, event by event, in the same order. With
   * `sharedData` (the page was read so, ReadAllOptions), plaintext events get their bytes
   * copied out of the page's buffer, as the reader would have given them.
   */
  async decrypt(
    events: readonly RecordedEvent[],
    lookup: (keyId: string) => KeyLookup,
    sharedData = false,
  ): Promise<RecordedEvent[]> {
    const out = new Array<RecordedEvent>(events.length);
    // The events to open, as parallel arrays (this runs for every event of a rebuild).
    const indexes: number[] = [];
    const metas: EncryptionMetadata[] = [];
    const toOpen: PackedEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      // Straight to the key store: its cache answers a hit, and it checks PRAGMA data_version
      // once per turn of the event loop, not per call. A map of the page's keys in front of it
      // saved nothing (a page of 500 events of the bench log names ~480 keys) and cost two map
      // operations per event.
      const plan = planDecrypt(event, lookup);
      if (plan.kind === 'done') {
        out[i] =
          sharedData && plan.event === event
            ? { ...event, data: Buffer.from(event.data) }
            : plan.event;
        continue;
      }
      indexes.push(i);
      metas.push(plan.meta);
      toOpen.push({
        data: event.data,
        key: plan.key,
        eventId: event.id,
        streamName: event.streamName,
      });
    }
    const reply =
      indexes.length < PARALLEL_DECRYPT_MIN_EVENTS || this.thread.failed
        ? undefined
        : await this.send(toOpen);
    if (reply === undefined) {
      for (let j = 0; j < indexes.length; j++) {
        const event = events[indexes[j]!]!;
        out[indexes[j]!] = openedAs(event, metas[j]!, tryOpen(toOpen[j]!.key, event));
      }
      return out;
    }
    this.pagesInThread += 1;
    const problems = new Map(reply.problems);
    let start = 0;
    let textStart = 0;
    for (let j = 0; j < indexes.length; j++) {
      const end = reply.ends[j]!;
      const textEnd = reply.textEnds[j]!;
      const problem = problems.size === 0 ? undefined : problems.get(j);
      const event = events[indexes[j]!]!;
      out[indexes[j]!] =
        problem === undefined
          ? openedAs(
              event,
              metas[j]!,
              Buffer.from(reply.plain, start, end - start),
              fnvHex(reply.fnv[j]!),
              reply.text.slice(textStart, textEnd),
            )
          : openedAs(event, metas[j]!, new EnvelopeError(problem));
      start = end;
      textStart = textEnd;
    }
    return out;
  }

  /** The thread's answer, or undefined when it cannot run (the page is then opened here). */
  private send(toOpen: readonly PackedEvent[]): Promise<DecryptReply | undefined> {
    const pack = packEvents(toOpen);
    if (pack === undefined) return Promise.resolve(undefined);
    // Undefined when the thread could not start or died: decrypt on this thread from then on.
    return this.thread.ask((seq): DecryptJob => ({ seq, ...pack }), [pack.bytes, pack.keys]);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
