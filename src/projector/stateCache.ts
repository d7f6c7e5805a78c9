/**
 * A bounded least-recently-used map of document states (and the rows derived from them), so a
 * document touched again soon is not re-read and re-parsed. Memory stays flat however long the
 * log is. Entries are only written after their transaction committed.
 */
export interface StateCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
  /** The most entries it keeps. */
  readonly capacity: number;
}

export function createStateCache<V>(maxEntries: number): StateCache<V> {
  const entries = new Map<string, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        // Map keeps insertion order: re-inserting marks the key as most recently used.
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) {
        // Evict an eighth at once: removing one oldest entry at a time makes each lookup of
        // "the oldest" walk past the deleted slots at the front of the Map.
        const target = maxEntries - Math.ceil(maxEntries / 8);
        for (const oldest of entries.keys()) {
          if (entries.size <= target) break;
          entries.delete(oldest);
        }
      }
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    capacity: maxEntries,
  };
}
