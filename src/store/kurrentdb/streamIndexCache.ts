import type { Position } from '../eventStore.js';

/** What the adapter has read of one stream: every id up to `lastRevision`, with its position. */
export interface StreamIndex {
  readonly lastRevision: bigint;
  readonly byId: ReadonlyMap<string, Position>;
  /** Link of the event at `lastRevision`; undefined if it was written before the ledger. */
  readonly lastLink: string | undefined;
}

/**
 * Ids already read per stream, so the idempotency check of the next append only reads the
 * stream's tail (events after `lastRevision`) instead of the whole stream.
 *
 * Only facts read from the log go in, and events never change revision or leave a stream we
 * write (we never delete or truncate streams), so an entry can be incomplete only at its end,
 * which the tail read covers. It is a cost saving, never a source of truth: evicting or losing it
 * only means a full read. Bounded by the number of ids held; least recently used streams go first.
 */
export interface StreamIndexCache {
  get(streamName: string): StreamIndex | undefined;
  set(streamName: string, index: StreamIndex): void;
  delete(streamName: string): void;
}

export function createStreamIndexCache(maxIds: number): StreamIndexCache {
  const entries = new Map<string, StreamIndex>();
  let held = 0;
  const remove = (streamName: string) => {
    const entry = entries.get(streamName);
    if (!entry) return;
    held -= entry.byId.size;
    entries.delete(streamName);
  };
  return {
    get(streamName) {
      const entry = entries.get(streamName);
      if (entry) {
        // Re-insert so Map order stays least-recently-used first.
        entries.delete(streamName);
        entries.set(streamName, entry);
      }
      return entry;
    },
    set(streamName, index) {
      remove(streamName);
      if (index.byId.size > maxIds) return;
      entries.set(streamName, index);
      held += index.byId.size;
      for (const [oldest] of entries) {
        if (held <= maxIds) break;
        remove(oldest);
      }
    },
    delete: remove,
  };
}
