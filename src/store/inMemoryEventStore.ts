/**
 * The reference adapter: the port's semantics with nothing else in the way, for unit tests.
 * It shares the append rules, positions and subscription loop with the SQLite adapter, and
 * both run the same contract suite (test/helpers/eventStoreContract.ts).
 */
import {
  EventIdInOtherStreamError,
  StoreUnavailableError,
  IdempotencyConflictError,
  type AppendResult,
  type EventStore,
  type ExpectedState,
  type ReadStreamOptions,
  type RecordedEvent,
} from './eventStore.js';
import {
  checkExpectedState,
  checkMaxCount,
  idempotencyVerdict,
  prepareAppend,
  type PreparedEvent,
} from './rules.js';
import { createChangeFeed } from './embedded/changeFeed.js';
import { promised } from './embedded/promised.js';
import { followLog, type LogSource } from './embedded/followLog.js';
import { formatSequencePosition, parseSequencePosition } from './embedded/sequencePosition.js';
import { linkEvent } from '../ledger/chain.js';
import { GENESIS_LINK } from '../ledger/link.js';

/** Stored like a SQLite row: bytes copied and metadata kept as JSON, so reads never alias. */
interface StoredEvent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly sequence: number;
  readonly id: string;
  readonly type: string;
  readonly data: Buffer;
  readonly metadataJson: string;
  readonly recordedAt: number;
  readonly link: string;
  readonly dataSha256: string;
}

interface StoredStream {
  readonly events: StoredEvent[];
  readonly byId: Map<string, StoredEvent>;
}

export interface InMemoryEventStoreOptions {
  /** @defaultValue () => new Date() */
  readonly clock?: () => Date;
}

export function createInMemoryEventStore(options: InMemoryEventStoreOptions = {}): EventStore {
  const clock = options.clock ?? (() => new Date());
  const log: StoredEvent[] = [];
  const streams = new Map<string, StoredStream>();
  /** Stream of every stored id: ids are unique store-wide. */
  const streamOfId = new Map<string, string>();
  const changes = createChangeFeed();
  let closed = false;

  function ensureOpen(): void {
    if (closed) throw new StoreUnavailableError('event store closed');
  }

  function append(
    streamName: string,
    events: readonly PreparedEvent[],
    expected: ExpectedState,
  ): AppendResult {
    const stream: StoredStream = streams.get(streamName) ?? { events: [], byId: new Map() };
    const last = stream.events.at(-1);
    const verdict = idempotencyVerdict(events, (id) => stream.byId.has(id));
    if (verdict.kind === 'duplicate') {
      return {
        nextExpectedRevision: last!.revision,
        position: formatSequencePosition(stream.byId.get(events.at(-1)!.id)!.sequence),
        duplicate: true,
      };
    }
    if (verdict.kind === 'conflict') {
      throw new IdempotencyConflictError(streamName, verdict.existingIds);
    }
    for (const event of events) {
      const other = streamOfId.get(event.id);
      if (other !== undefined) throw new EventIdInOtherStreamError(streamName, event.id, other);
    }
    checkExpectedState(streamName, expected, last?.revision);
    const recordedAt = clock().getTime();
    let revision = last ? last.revision : -1n;
    let link = last ? last.link : GENESIS_LINK;
    for (const event of events) {
      revision += 1n;
      const chain = linkEvent(streamName, revision, event, link);
      link = chain.link;
      const stored: StoredEvent = {
        streamName,
        revision,
        sequence: log.length + 1,
        id: event.id,
        type: event.type,
        data: Buffer.from(event.data),
        metadataJson: event.metadataJson,
        recordedAt,
        ...chain,
      };
      log.push(stored);
      stream.events.push(stored);
      stream.byId.set(stored.id, stored);
      streamOfId.set(stored.id, streamName);
    }
    streams.set(streamName, stream);
    changes.notify();
    return {
      nextExpectedRevision: revision,
      position: formatSequencePosition(log.length),
      duplicate: false,
    };
  }

  function head(): string | undefined {
    ensureOpen();
    return log.length === 0 ? undefined : formatSequencePosition(log.length);
  }

  function readPage(after: string | undefined, maxCount: number): RecordedEvent[] {
    ensureOpen();
    const start = parseSequencePosition(after);
    return log.slice(start, start + maxCount).map(toRecorded);
  }

  function readStream(streamName: string, readOptions: ReadStreamOptions): RecordedEvent[] {
    ensureOpen();
    const { direction = 'forwards', fromRevision } = readOptions;
    const maxCount = checkMaxCount(readOptions.maxCount, Number.MAX_SAFE_INTEGER);
    const events = streams.get(streamName)?.events ?? [];
    const selected =
      direction === 'forwards'
        ? events.filter((event) => fromRevision === undefined || event.revision >= fromRevision)
        : events
            .filter((event) => fromRevision === undefined || event.revision <= fromRevision)
            .reverse();
    return selected.slice(0, maxCount).map(toRecorded);
  }

  const source: LogSource = { head, readPage, changes, isClosed: () => closed };

  return {
    appendToStream(streamName, events, appendOptions) {
      return promised(() => {
        ensureOpen();
        const expected = appendOptions?.expected ?? 'any';
        return append(streamName, prepareAppend(streamName, events, expected), expected);
      });
    },
    readStream: (streamName, readOptions = {}) =>
      promised(() => readStream(streamName, readOptions)),
    readAll: (readOptions = {}) =>
      promised(() => readPage(readOptions.after, checkMaxCount(readOptions.maxCount, 1000))),
    async *subscribe(subscription) {
      ensureOpen();
      yield* followLog(source, subscription);
    },
    headPosition: () => promised(head),
    checkWritable: () => promised(ensureOpen),
    close() {
      closed = true;
      changes.close();
      return Promise.resolve();
    },
  };
}

function toRecorded(event: StoredEvent): RecordedEvent {
  return {
    streamName: event.streamName,
    revision: event.revision,
    position: formatSequencePosition(event.sequence),
    id: event.id,
    type: event.type,
    data: Buffer.from(event.data),
    metadata: JSON.parse(event.metadataJson) as Record<string, unknown>,
    recordedAt: new Date(event.recordedAt),
    link: event.link,
    dataSha256: event.dataSha256,
  };
}
