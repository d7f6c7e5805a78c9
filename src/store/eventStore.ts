/**
 * The event store port. Everything above `src/store/` talks to the log through this interface
 * only; adapters (embedded SQLite, KurrentDB) translate their vendor's behaviour and errors into
 * these types at their edge.
 */

/**
 * A global log position. Opaque to callers, but ordered: comparing two positions as strings
 * (`a < b`) gives log order, in every adapter. Serialise it as-is.
 */
export type Position = string;

/**
 * Expected state of the stream for an optimistic-concurrency append.
 * Revisions are 0-based like EventStoreDB: a stream whose last event has revision 4 holds 5
 * events, and `4n` is what an append expecting that state passes.
 */
export type ExpectedState = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface NewEvent {
  /** A UUID. Deterministic ids make appends idempotent (see {@link EventStore.appendToStream}). */
  readonly id: string;
  readonly type: string;
  /** Stored byte-exact; never re-serialised. */
  readonly data: Uint8Array;
  /** A JSON object; keys starting with `$` are reserved by KurrentDB. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface RecordedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly id: string;
  readonly type: string;
  readonly data: Buffer;
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * When the store committed the event (the store's clock, not the sender's). Informational:
   * the link does not cover it on every adapter, so queries use times inside the metadata.
   */
  readonly recordedAt: Date;
  /**
   * The event's link in its stream's hash chain (src/ledger/link.ts): hex SHA-256 over its
   * stream, revision, id, type, `dataSha256`, metadata and the previous event's link. Absent
   * only on events written before the ledger existed (their chain is computed from content).
   */
  readonly link?: string;
  /** Hex SHA-256 of `data` as stored; absent exactly when `link` is. */
  readonly dataSha256?: string;
  /**
   * Present on events stored encrypted (src/privacy/): `data` is then the plaintext, or empty
   * when it cannot be decrypted, and `dataSha256` and the link cover `encryption.storedData`.
   */
  readonly encryption?: EventEncryption;
}

/** How an encrypted event read (see RecordedEvent.encryption). */
export interface EventEncryption {
  /** The data subject (customer id) whose key encrypts it. */
  readonly subject: string;
  readonly keyId: string;
  /**
   * decrypted: `data` is the authenticated plaintext; erased: the subject's key was destroyed;
   * undecryptable: no such key, or the ciphertext fails authentication (`problem` says which).
   */
  readonly state: 'decrypted' | 'erased' | 'undecryptable';
  /** Hex SHA-256 of the plaintext, as the covered metadata records it. */
  readonly plaintextSha256: string;
  /** The bytes as stored (the envelope). */
  readonly storedData: Buffer;
  readonly problem?: string;
  /**
   * FNV-1a of the plaintext (src/events/fnvHash.ts, `hashBytes(data)`), when the thread that
   * decrypted the event computed it while the bytes were at hand (src/privacy/parallelDecrypt.ts):
   * a rebuild's projections take their content hash from here instead of reading `data` again.
   */
  readonly plaintextFnv?: string;
  /** `data` decoded as UTF-8, when that thread decoded it (for the same reason). */
  readonly plaintextText?: string;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append; pass it as the next expected state. */
  readonly nextExpectedRevision: bigint;
  /** Position of the last event of this append (of the already stored one for a duplicate). */
  readonly position: Position;
  /** True when every event id was already in the stream and nothing was written. */
  readonly duplicate: boolean;
}

export interface AppendOptions {
  /** @defaultValue 'any' */
  readonly expected?: ExpectedState;
}

export interface ReadStreamOptions {
  /** @defaultValue 'forwards' */
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omitted = from the start of the log. */
  readonly after?: Position;
  /** @defaultValue 1000 */
  readonly maxCount?: number;
  /**
   * The caller replaces or copies every event's `data` before keeping it (a decrypting reader
   * does): an adapter may then hand out views into one buffer of the page instead of a buffer
   * per event. Adapters that have no such buffer ignore it.
   */
  readonly sharedData?: boolean;
}

export interface SubscribeOptions {
  /** Exclusive start position; omitted = from the start of the log. */
  readonly after?: Position;
  /** Ends the subscription; the iterator then returns. */
  readonly signal: AbortSignal;
  /** Largest batch handed to the consumer. @defaultValue 1000 */
  readonly batchSize?: number;
}

/**
 * One step of a subscription. `caughtUp` is true when the batch reached the head of the log as
 * it was when the batch was read; later batches come as new events are committed.
 */
export interface SubscriptionBatch {
  readonly events: readonly RecordedEvent[];
  readonly caughtUp: boolean;
}

export interface EventStore {
  /**
   * Appends events atomically to one stream.
   *
   * Every event gets its link (see {@link RecordedEvent.link}), computed under the stream's
   * ordering, so the chain of a stream has no fork even with concurrent appenders. Metadata is
   * stored as canonical JSON and must not hold the key `ledger` ({@link InvalidAppendError}).
   *
   * Identity: an event id is unique in the whole store. An id already stored in another stream
   * fails the append with {@link EventIdInOtherStreamError}. If every id of the append is already
   * in the stream, nothing is written and the result says `duplicate: true`, whatever the
   * expected state (so a redelivery is a success, hours or days later). If only some are, the
   * append fails with {@link IdempotencyConflictError}. Otherwise the expected state is checked
   * and a mismatch fails with {@link StreamRevisionConflictError}. A failed append writes nothing.
   */
  appendToStream(
    streamName: string,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult>;

  /** Reads a stream; a stream that does not exist reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** One page of the global log in commit order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catch-up then live, in commit order, without busy polling while idle. */
  subscribe(options: SubscribeOptions): AsyncIterable<SubscriptionBatch>;

  /** Position of the last event in the log, or undefined for an empty log. */
  headPosition(): Promise<Position | undefined>;

  /** Throws a {@link StoreUnavailableError} unless the store can take writes now. */
  checkWritable(): Promise<void>;

  /** Finishes in-flight appends, then releases the store. */
  close(): Promise<void>;

  /**
   * Read-only, adapter-specific consistency checks that only the adapter can make (verify
   * calls it). Adapters with nothing to add omit it.
   */
  checkConsistency?(): Promise<readonly StoreInconsistency[]>;
}

/** A problem {@link EventStore.checkConsistency} found; names what it can. */
export interface StoreInconsistency {
  readonly message: string;
  readonly streamName?: string;
  readonly position?: Position;
}

/** Base class of every error the port raises; `type` is the discriminant. */
export class EventStoreError extends Error {
  readonly type: string = 'event-store';
}

export class StreamRevisionConflictError extends EventStoreError {
  override readonly type = 'stream-revision-conflict';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedState,
    /** Revision of the last event, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(
      `append to ${streamName} expected ${String(expected)} but the stream is at ${String(actual)}`,
    );
    this.name = 'StreamRevisionConflictError';
  }
}

export class IdempotencyConflictError extends EventStoreError {
  override readonly type = 'idempotency-conflict';
  constructor(
    readonly streamName: string,
    readonly existingIds: readonly string[],
  ) {
    super(`append to ${streamName} repeats some but not all of its event ids`);
    this.name = 'IdempotencyConflictError';
  }
}

/** An event id of the append is already stored in another stream (ids are store-wide). */
export class EventIdInOtherStreamError extends EventStoreError {
  override readonly type = 'event-id-in-other-stream';
  constructor(
    readonly streamName: string,
    readonly eventId: string,
    /** The stream that already holds the id. */
    readonly existingStream: string,
  ) {
    super(`append to ${streamName}: event id ${eventId} is already stored in another stream`);
    this.name = 'EventIdInOtherStreamError';
  }
}

export class StoreUnavailableError extends EventStoreError {
  override readonly type = 'store-unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export class InvalidAppendError extends EventStoreError {
  override readonly type = 'invalid-append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

export function isEventStoreError(error: unknown): error is EventStoreError {
  return error instanceof EventStoreError;
}
