/**
 * TEST DOUBLE — the in-memory log behind the KurrentDB gRPC double (see ./README.md). Not a
 * store anyone could run: single node, nothing on disk, no scavenging, no metadata streams.
 *
 * The append rules model KurrentDB's documented idempotency check (reference eventstore.md §1.6,
 * from the server's IndexWriter.CheckCommit) — they are modelled from the docs, not taken from
 * the server:
 * - expected revision / no_stream below the current revision: the ids are compared with the
 *   events written right after the expected revision, exactly (index lookup); all match means
 *   an idempotent success with the original result, anything else is WrongExpectedVersion;
 * - expected == current: a new write, even if the ids repeat older events;
 * - any / stream_exists: only a small in-memory cache of recent ids is consulted, which
 *   {@link DoubleLog.clearIdempotencyCache} empties (as a restart or eviction would on a server);
 *   ids not in it are written again, i.e. duplicated.
 */

export type WireExpected =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server sends `created`. */
  readonly created: bigint;
}

export type AppendOutcome =
  | {
      readonly kind: 'success';
      readonly currentRevision: bigint;
      /** What the server reports: the write's transaction position (its first event). */
      readonly commit: bigint;
      readonly prepare: bigint;
    }
  | {
      readonly kind: 'wrong-expected-version';
      /** -1n when the stream does not exist. */
      readonly currentRevision: bigint;
    };

export interface DoubleLog {
  append(
    streamName: string,
    expected: WireExpected,
    events: readonly ProposedEvent[],
  ): AppendOutcome;
  /** Every event in commit order. */
  all(): readonly StoredEvent[];
  stream(streamName: string): readonly StoredEvent[] | undefined;
  /** Empties the recent-ids cache used for `any` / `stream_exists` appends. */
  clearIdempotencyCache(): void;
  /** Called after every committed write (subscriptions go live through it). */
  onCommit(listener: () => void): () => void;
}

const TICKS_PER_MS = 10_000n;
/** Fixed per-record overhead, so positions look like byte offsets with gaps, as on a server. */
const RECORD_HEADER_BYTES = 120n;

export function createDoubleLog(options: { readonly cacheSize?: number } = {}): DoubleLog {
  const cacheSize = options.cacheSize ?? 10_000;
  const events: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  // stream -> id -> revision; insertion order doubles as eviction order.
  const recentIds = new Map<string, Map<string, bigint>>();
  let recentCount = 0;
  let nextLogPosition = 1024n;
  const listeners = new Set<() => void>();

  function currentRevision(streamName: string): bigint {
    const stream = streams.get(streamName);
    return stream ? BigInt(stream.length - 1) : -1n;
  }

  function remember(event: StoredEvent): void {
    let ids = recentIds.get(event.streamName);
    if (!ids) recentIds.set(event.streamName, (ids = new Map()));
    ids.set(event.id, event.revision);
    recentCount += 1;
    while (recentCount > cacheSize) {
      const [oldestStream, oldestIds] = recentIds.entries().next().value as [
        string,
        Map<string, bigint>,
      ];
      const oldestId = oldestIds.keys().next().value as string;
      oldestIds.delete(oldestId);
      if (oldestIds.size === 0) recentIds.delete(oldestStream);
      recentCount -= 1;
    }
  }

  function write(streamName: string, proposed: readonly ProposedEvent[]): AppendOutcome {
    if (proposed.length === 0) {
      const current = currentRevision(streamName);
      return { kind: 'success', currentRevision: current, commit: -1n, prepare: -1n };
    }
    let stream = streams.get(streamName);
    if (!stream) streams.set(streamName, (stream = []));
    const transactionPosition = nextLogPosition;
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    for (const event of proposed) {
      const stored: StoredEvent = {
        ...event,
        streamName,
        revision: BigInt(stream.length),
        commit: transactionPosition,
        prepare: nextLogPosition,
        created,
      };
      nextLogPosition +=
        RECORD_HEADER_BYTES + BigInt(event.data.length + event.customMetadata.length);
      stream.push(stored);
      events.push(stored);
      remember(stored);
    }
    // A commit record follows the prepares, so the next write starts further on.
    nextLogPosition += RECORD_HEADER_BYTES;
    for (const listener of listeners) listener();
    return {
      kind: 'success',
      currentRevision: BigInt(stream.length - 1),
      commit: transactionPosition,
      prepare: transactionPosition,
    };
  }

  function alreadyCommitted(first: StoredEvent, last: StoredEvent): AppendOutcome {
    return {
      kind: 'success',
      currentRevision: last.revision,
      commit: first.commit,
      prepare: first.commit,
    };
  }

  /** Exact check for an expected revision below the current one (index lookup on a server). */
  function checkExact(streamName: string, expected: bigint, proposed: readonly ProposedEvent[]) {
    const stream = streams.get(streamName) ?? [];
    const current = currentRevision(streamName);
    const following = stream.slice(Number(expected + 1n), Number(expected + 1n) + proposed.length);
    const allMatch =
      following.length === proposed.length && proposed.every((e, i) => following[i]?.id === e.id);
    if (allMatch && following.length > 0) return alreadyCommitted(following[0]!, following.at(-1)!);
    return { kind: 'wrong-expected-version', currentRevision: current } as const;
  }

  /** Best-effort check for any / stream_exists: only the recent-ids cache is consulted. */
  function checkCached(streamName: string, proposed: readonly ProposedEvent[]) {
    const ids = recentIds.get(streamName);
    const found = proposed.map((e) => ids?.get(e.id));
    if (found.every((revision) => revision === undefined)) return write(streamName, proposed);
    if (found.every((revision) => revision !== undefined)) {
      const stream = streams.get(streamName)!;
      const first = stream[Number(found[0])]!;
      const last = stream[Number(found.at(-1))]!;
      return alreadyCommitted(first, last);
    }
    return {
      kind: 'wrong-expected-version',
      currentRevision: currentRevision(streamName),
    } as const;
  }

  return {
    append(streamName, expected, proposed) {
      const current = currentRevision(streamName);
      switch (expected.kind) {
        case 'any':
          return checkCached(streamName, proposed);
        case 'stream_exists':
          if (current < 0n) return { kind: 'wrong-expected-version', currentRevision: current };
          return checkCached(streamName, proposed);
        case 'no_stream':
        case 'revision': {
          const revision = expected.kind === 'no_stream' ? -1n : expected.revision;
          if (revision === current) return write(streamName, proposed);
          if (revision < current) return checkExact(streamName, revision, proposed);
          return { kind: 'wrong-expected-version', currentRevision: current };
        }
      }
    },
    all: () => events,
    stream: (streamName) => streams.get(streamName),
    clearIdempotencyCache() {
      recentIds.clear();
      recentCount = 0;
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Log order: commit position first, then prepare position. */
export function comparePositions(
  a: { readonly commit: bigint; readonly prepare: bigint },
  b: { readonly commit: bigint; readonly prepare: bigint },
): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
