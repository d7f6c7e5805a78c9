/**
 * Encryption of appended events in a thread of their own. Sealing an ingress delivery (the
 * AES-256-GCM envelope and the plaintext's SHA-256, through node:crypto) costs ~9 µs in a tight
 * loop but 30-65 µs on the ingress's event loop, between the HTTP parsing, svix and SQLite
 * (docs/performance.md): most of encryption's cost to the ingress. Here the events appended
 * during one turn of the event loop are sealed together, after it (setImmediate), by the
 * encrypt thread, in one message each way; their appends go on once the envelopes are back.
 * A turn with fewer than {@link PARALLEL_ENCRYPT_MIN_EVENTS} events (a quiet service, the
 * enrichment reactor's single snapshots) is sealed on this thread, as is everything once the
 * thread failed: a round trip would cost more than it saves. Either way the appends go on in
 * the order they were asked for, turn after turn.
 */
import { HelperThread } from '../lib/helperThread.js';
import type { NewEvent } from '../store/eventStore.js';
import { checkEncryptable, encryptedAs, encryptEvent } from './encryptionMetadata.js';
import { packEvents, type EventPack } from './eventPack.js';
import type { DataKey } from './keyRecords.js';

/** The plaintexts of a turn's events to seal (eventPack.ts). */
export interface EncryptJob extends EventPack {
  readonly seq: number;
}

export type EncryptReply =
  | {
      readonly seq: number;
      /** The envelopes back to back (transferred); `ends[i]` is where event i's ends. */
      readonly sealed: ArrayBuffer;
      readonly ends: Uint32Array;
      /** The plaintexts' SHA-256 digests, 64 hex characters each, in order. */
      readonly digests: string;
    }
  | { readonly seq: number; readonly failed: string };

/** Events appended in one turn below which they are sealed on the appending thread. */
export const PARALLEL_ENCRYPT_MIN_EVENTS = 4;

const ENTRY = new URL('./encryptThread.js', import.meta.url);
const DIGEST_CHARS = 64;

interface Request {
  readonly streamName: string;
  readonly event: NewEvent;
  readonly key: DataKey;
  resolve(event: NewEvent): void;
  reject(error: unknown): void;
}

export class ParallelEncrypt {
  private turn: Request[] = [];
  private scheduled = false;
  /** The earlier turns' events handed on: a turn's are handed on after them. */
  private handedOn: Promise<void> = Promise.resolve();
  private readonly thread = new HelperThread<EncryptReply>(ENTRY, import.meta.url);
  /** Events the thread sealed (the others were sealed on the appending thread). */
  eventsInThread = 0;

  /** The event as encryptEvent would store it; rejects as encryptEvent would throw. */
  encrypt(streamName: string, event: NewEvent, key: DataKey): Promise<NewEvent> {
    checkEncryptable(event);
    return new Promise((resolve, reject) => {
      this.turn.push({ streamName, event, key, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const requests = this.turn;
        this.turn = [];
        // Never rejects (an unforeseen failure rejects the turn's appends instead), so the chain
        // of turns never breaks.
        const sealed = this.seal(requests).catch((error: unknown) =>
          requests.map((r) => () => r.reject(error)),
        );
        this.handedOn = this.handedOn.then(async () => {
          for (const handOn of await sealed) handOn();
        });
      });
    });
  }

  /** Seals a turn's events; resolves to what hands each on (in order) to its append. */
  private async seal(requests: readonly Request[]): Promise<(() => void)[]> {
    const reply =
      requests.length < PARALLEL_ENCRYPT_MIN_EVENTS || this.thread.failed
        ? undefined
        : await this.send(requests);
    if (reply === undefined || 'failed' in reply) {
      return requests.map((r) => settled(r, () => encryptEvent(r.streamName, r.event, r.key)));
    }
    this.eventsInThread += requests.length;
    let start = 0;
    return requests.map((r, i) => {
      const end = reply.ends[i]!;
      const envelope = Buffer.from(reply.sealed, start, end - start);
      const digest = reply.digests.slice(i * DIGEST_CHARS, (i + 1) * DIGEST_CHARS);
      start = end;
      return settled(r, () => encryptedAs(r.event, r.key, envelope, digest));
    });
  }

  /** The thread's answer, or undefined when it cannot run (the events are then sealed here). */
  private send(requests: readonly Request[]): Promise<EncryptReply | undefined> {
    const pack = packEvents(
      requests.map((r) => ({
        data: r.event.data,
        key: r.key.key,
        eventId: r.event.id,
        streamName: r.streamName,
      })),
    );
    if (pack === undefined) return Promise.resolve(undefined);
    // Undefined when the thread could not start or died: seal on this thread from then on.
    return this.thread.ask((seq): EncryptJob => ({ seq, ...pack }), [pack.bytes, pack.keys]);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

/** Seals now; hands the outcome on when called. */
function settled(request: Request, seal: () => NewEvent): () => void {
  try {
    const event = seal();
    return () => request.resolve(event);
  } catch (error) {
    return () => request.reject(error);
  }
}
