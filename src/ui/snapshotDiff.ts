/**
 * What changed between two details snapshots of a customer: their JSON bodies flattened to
 * `path = value` and compared, so a reviewer sees "residence: FR -> DE" rather than two blobs.
 */
import { DETAILS_EVENT_TYPE } from '../events/types.js';
import type { RecordedEvent } from '../store/eventStore.js';
import { receivedAt } from '../audit/auditEventView.js';
import { isErasedEvent } from '../events/erasedEvent.js';

export interface FieldChange {
  readonly path: string;
  /** Null when the field is new in this snapshot. */
  readonly before: string | null;
  /** Null when the field is gone from this snapshot. */
  readonly after: string | null;
}

export interface SnapshotChanges {
  readonly eventId: string;
  readonly position: string;
  readonly fetchedAt: string;
  /** Null for the first snapshot (nothing to compare with) and for a body that is not JSON. */
  readonly changes: readonly FieldChange[] | null;
  /** The snapshot's data was erased (docs/retention.md): nothing to show or compare. */
  readonly erased?: true;
}

const MAX_VALUE = 200;

/** Every details snapshot of the stream, in stored order, with its changes since the previous. */
export function snapshotChanges(events: Iterable<RecordedEvent>): SnapshotChanges[] {
  const tracker = snapshotTracker();
  for (const event of events) tracker.add(event);
  return tracker.finish();
}

/** The same, fed one event at a time (only the previous snapshot's fields are kept). */
export function snapshotTracker() {
  const result: SnapshotChanges[] = [];
  let previous: Map<string, string> | undefined;
  return {
    add(event: RecordedEvent): void {
      if (event.type !== DETAILS_EVENT_TYPE) return;
      if (isErasedEvent(event)) {
        result.push({
          eventId: event.id,
          position: event.position,
          fetchedAt: receivedAt(event).toISOString(),
          changes: null,
          erased: true,
        });
        return;
      }
      const fields = flattenBody(event.data);
      result.push({
        eventId: event.id,
        position: event.position,
        fetchedAt: receivedAt(event).toISOString(),
        changes: previous && fields ? compare(previous, fields) : null,
      });
      if (fields) previous = fields;
    },
    finish: (): SnapshotChanges[] => result,
  };
}

function compare(before: Map<string, string>, after: Map<string, string>): FieldChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => ({ path, before: before.get(path) ?? null, after: after.get(path) ?? null }));
}

function flattenBody(data: Buffer): Map<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const fields = new Map<string, string>();
  const walk = (value: unknown, path: string): void => {
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value)
        ? value.map((item, index) => [String(index), item] as const)
        : Object.entries(value);
      if (entries.length === 0) fields.set(path, Array.isArray(value) ? '[]' : '{}');
      for (const [key, item] of entries) walk(item, path === '' ? key : `${path}.${key}`);
      return;
    }
    const text = JSON.stringify(value) ?? String(value);
    fields.set(path, text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text);
  };
  walk(parsed, '');
  return fields;
}
