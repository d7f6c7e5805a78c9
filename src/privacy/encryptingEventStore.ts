/**
 * Encryption at rest as a decorator of the EventStore port, so every adapter (SQLite, KurrentDB,
 * in-memory) stores the same envelopes: appends encrypt the events the subject rule assigns to a
 * customer (subjectRule.ts) under that customer's data key; reads decrypt transparently and mark
 * each encrypted event with its state (RecordedEvent.encryption), never throwing for an erased
 * or unreadable one. The adapter underneath hashes and links the stored (encrypted) bytes.
 */
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionBatch,
} from '../store/eventStore.js';
import { checkEncryptable, encryptEvent } from './encryptionMetadata.js';
import type { KeyLookup } from './keyRecords.js';
import type { KeyStore } from './keyStore.js';
import { PARALLEL_DECRYPT_MIN_EVENTS, ParallelDecrypt } from './parallelDecrypt.js';
import { subjectOf } from './subjectRule.js';

/**
 * The event with the id the store will record. Adapters record UUIDs in lower case (rules.ts)
 * and readers open an envelope with the recorded id, so an id given in upper case is sealed
 * under its lower-case form: sealed as given, the event would never open again.
 */
function withStoredId(event: NewEvent): NewEvent {
  const id = typeof event.id === 'string' ? event.id.toLowerCase() : event.id;
  return id === event.id ? event : { ...event, id };
}

export class EncryptingEventStore implements EventStore {
  readonly checkConsistency?: EventStore['checkConsistency'];

  constructor(
    private readonly inner: EventStore,
    readonly keys: KeyStore,
  ) {
    if (inner.checkConsistency) this.checkConsistency = () => inner.checkConsistency!();
  }

  async appendToStream(
    streamName: string,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    // Refused on every event, sealed or not: a plaintext event holding the key would read back
    // as an encrypted one that cannot be opened.
    for (const event of events) checkEncryptable(event);
    const stored: NewEvent[] = [];
    for (const event of events) {
      const subject = subjectOf(streamName, event.type, event.data);
      if (subject === undefined) {
        stored.push(event);
        continue;
      }
      // A known customer's key is cached: no promise per event on the ingress's hot path.
      const key = this.keys.cachedKeyForAppend(subject) ?? (await this.keys.keyForAppend(subject));
      // Sealed here, on the appending thread: a thread of its own for the ciphers cost the
      // ingress more than it saved on two cores (docs/performance.md, 7 Dec, interleaved runs).
      stored.push(encryptEvent(streamName, withStoredId(event), key));
    }
    return this.inner.appendToStream(streamName, stored, options);
  }

  private readonly lookup = (keyId: string): KeyLookup => this.keys.lookup(keyId);
  // Large pages are bulk reads: their misses may read the whole key store ahead.
  private readonly bulkLookup = (keyId: string): KeyLookup => this.keys.lookup(keyId, true);

  // Large pages are opened in a thread of their own (parallelDecrypt.ts).
  private readonly parallel = new ParallelDecrypt();

  private decrypt(events: readonly RecordedEvent[], sharedData = false): Promise<RecordedEvent[]> {
    const bulk = events.length >= PARALLEL_DECRYPT_MIN_EVENTS;
    return this.parallel.decrypt(events, bulk ? this.bulkLookup : this.lookup, sharedData);
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.decrypt(await this.inner.readStream(streamName, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    // Every event leaves here with bytes of its own or its plaintext, so the adapter may leave
    // the envelopes in its page's buffer: the decrypt thread takes them as one copy of it
    // (eventPack.ts), and a page opened here reads them where they are.
    return this.decrypt(await this.inner.readAll({ ...options, sharedData: true }), true);
  }

  async *subscribe(options: SubscribeOptions): AsyncIterable<SubscriptionBatch> {
    for await (const batch of this.inner.subscribe(options)) {
      yield { ...batch, events: await this.decrypt(batch.events) };
    }
  }

  headPosition(): ReturnType<EventStore['headPosition']> {
    return this.inner.headPosition();
  }

  checkWritable(): Promise<void> {
    return this.inner.checkWritable();
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      await this.parallel.close();
      this.keys.close();
    }
  }
}
