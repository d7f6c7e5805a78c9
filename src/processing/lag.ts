import type { EventStore, Position } from '../store/eventStore.js';

/**
 * How far a processor whose checkpoint is `after` is behind the head: the number of events
 * after it (counted up to `cap`, because positions are opaque and cannot be subtracted) and the
 * age of the oldest of them.
 */
export async function measureLag(
  store: EventStore,
  after: Position | undefined,
  cap: number,
  now: Date,
): Promise<{ events: number; seconds: number }> {
  let events = 0;
  let oldest: Date | undefined;
  let cursor = after;
  while (events < cap) {
    const page = await store.readAll({ after: cursor, maxCount: Math.min(1000, cap - events) });
    const last = page.at(-1);
    if (!last) break;
    oldest ??= page[0]!.recordedAt;
    events += page.length;
    cursor = last.position;
  }
  const seconds = oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
  return { events, seconds };
}
