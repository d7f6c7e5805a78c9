/**
 * verify's check of details and not-found snapshots: every causation link the snapshot records
 * (causationId/causationPosition, causedBy[]) names, by id and position, an earlier customer
 * webhook event of the same stream or the start record of the reconciliation run that
 * appended it (src/reconcile/). No marker exempts a snapshot: one whose cause does not
 * resolve is a failure, whoever wrote it.
 */
import { RECONCILIATION_STREAM } from '../events/streams.js';
import { CUSTOMER_EVENT_TYPES, DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';
import { RUN_STARTED } from '../reconcile/runRecords.js';
import type { RecordedEvent } from '../store/eventStore.js';

const SNAPSHOT_TYPES: ReadonlySet<string> = new Set([DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE]);
const CAUSE_TYPES: ReadonlySet<string> = new Set(CUSTOMER_EVENT_TYPES);

export interface SnapshotCausationChecker {
  /** Problems of one event (undefined when it is not a snapshot). */
  check(event: RecordedEvent): string[] | undefined;
}

/**
 * Memory grows with the number of customer webhook events (a key per event), never with the
 * size of bodies.
 */
export function createSnapshotCausationChecker(): SnapshotCausationChecker {
  /** `position \0 id` of every possible cause -> its stream. */
  const causes = new Map<string, string>();
  return {
    check(event) {
      if (CAUSE_TYPES.has(event.type) || isRunStart(event)) {
        causes.set(key(event.position, event.id), event.streamName);
      }
      if (!SNAPSHOT_TYPES.has(event.type)) return undefined;
      return missingCauses(event, causes);
    },
  };
}

function isRunStart(event: RecordedEvent): boolean {
  return event.streamName === RECONCILIATION_STREAM && event.type === RUN_STARTED;
}

function key(position: string, id: string): string {
  return `${position}\u0000${id}`;
}

function missingCauses(event: RecordedEvent, causes: ReadonlyMap<string, string>): string[] {
  const links: { id: unknown; position: unknown }[] = [];
  const { causationId, causationPosition, causedBy } = event.metadata;
  if (causationId !== undefined || causationPosition !== undefined) {
    links.push({ id: causationId, position: causationPosition });
  }
  if (Array.isArray(causedBy)) {
    for (const cause of causedBy as unknown[]) {
      const link = (cause ?? {}) as { id?: unknown; position?: unknown };
      links.push({ id: link.id, position: link.position });
    }
  }
  if (links.length === 0) return ['no causation recorded (causationId/causedBy missing)'];
  const problems: string[] = [];
  for (const link of links) {
    if (typeof link.id !== 'string' || typeof link.position !== 'string') {
      problems.push('a causation link lacks its id or position');
      continue;
    }
    const stream = causes.get(key(link.position, link.id));
    if (stream === undefined) {
      problems.push(
        `caused by ${link.id} at ${link.position}, which is not an earlier webhook event or run start`,
      );
    } else if (stream !== event.streamName && stream !== RECONCILIATION_STREAM) {
      problems.push(`caused by ${link.id} of another stream (${stream})`);
    }
  }
  return problems;
}
