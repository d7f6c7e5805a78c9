/**
 * Rules of the port that every adapter (SQLite, in-memory, KurrentDB) applies the same way:
 * append validity, idempotency and expected-state conflicts, and read arguments.
 */
import {
  EventStoreError,
  InvalidAppendError,
  StreamRevisionConflictError,
  type ExpectedState,
  type NewEvent,
} from './eventStore.js';
import { canonicalJson } from '../ledger/canonicalJson.js';
import { LEDGER_METADATA_KEY } from '../ledger/link.js';

/**
 * A validated event, ready to store: id lower-cased, metadata serialised once as canonical JSON,
 * which is exactly the metadata its link covers.
 */
export interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadataJson: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks an append before it touches the store; throws {@link InvalidAppendError}.
 * Ids are lower-cased because a UUID's case carries no meaning and idempotency must not depend
 * on it (KurrentDB compares ids as UUIDs too).
 */
export function prepareAppend(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedState,
): PreparedEvent[] {
  if (typeof streamName !== 'string' || streamName.length === 0) {
    throw new InvalidAppendError('stream name must be a non-empty string');
  }
  if (!isExpectedState(expected)) {
    throw new InvalidAppendError(`append to ${streamName} has an invalid expected state`);
  }
  // Checked through `unknown`: Array.isArray would narrow the typed list to any[].
  const list: unknown = events;
  if (!Array.isArray(list) || events.length === 0) {
    throw new InvalidAppendError(`append to ${streamName} has no events`);
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const where = `event ${index} of the append to ${streamName}`;
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidAppendError(`${where} has an id that is not a UUID`);
    }
    const id = event.id.toLowerCase();
    if (seen.has(id)) throw new InvalidAppendError(`${where} repeats id ${id} within the append`);
    seen.add(id);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new InvalidAppendError(`${where} has no type`);
    }
    if (!(event.data instanceof Uint8Array)) {
      throw new InvalidAppendError(`${where} has data that is not a Uint8Array`);
    }
    return {
      id,
      type: event.type,
      data: event.data,
      metadataJson: serialiseMetadata(event, where),
    };
  });
}

function serialiseMetadata(event: NewEvent, where: string): string {
  const metadata: unknown = event.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidAppendError(`${where} has metadata that is not a JSON object`);
  }
  if (Object.hasOwn(metadata, LEDGER_METADATA_KEY)) {
    throw new InvalidAppendError(
      `${where} has metadata with the key "${LEDGER_METADATA_KEY}", which the store reserves for the ledger`,
    );
  }
  try {
    // Through JSON first, so values serialise as they always did (toJSON, undefined, NaN), then
    // canonical: the stored string is then the covered metadata itself.
    return canonicalJson(JSON.parse(JSON.stringify(metadata)));
  } catch {
    throw new InvalidAppendError(`${where} has metadata that cannot be serialised as JSON`);
  }
}

function isExpectedState(value: unknown): value is ExpectedState {
  return (
    value === 'any' ||
    value === 'no_stream' ||
    value === 'stream_exists' ||
    (typeof value === 'bigint' && value >= 0n)
  );
}

/**
 * The idempotency decision for an append, given which of its ids the stream already holds:
 * 'new' (none), 'duplicate' (all) or a conflict listing the ids found (some).
 */
export type IdempotencyVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly existingIds: readonly string[] };

export function idempotencyVerdict(
  events: readonly PreparedEvent[],
  isStored: (id: string) => boolean,
): IdempotencyVerdict {
  const existingIds = events.filter((event) => isStored(event.id)).map((event) => event.id);
  if (existingIds.length === 0) return { kind: 'new' };
  if (existingIds.length === events.length) return { kind: 'duplicate' };
  return { kind: 'conflict', existingIds };
}

/**
 * Throws {@link StreamRevisionConflictError} unless the stream's current revision (undefined =
 * no stream) satisfies the expected state.
 */
export function checkExpectedState(
  streamName: string,
  expected: ExpectedState,
  current: bigint | undefined,
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new StreamRevisionConflictError(streamName, expected, current ?? 'no_stream');
}

/** Reads take `maxCount` as a non-negative integer; anything else is a caller bug. */
export function checkMaxCount(maxCount: number | undefined, fallback: number): number {
  const value = maxCount ?? fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new EventStoreError(`maxCount must be a non-negative integer, got ${String(maxCount)}`);
  }
  return value;
}
