/**
 * `retention`: per customer, when the business relationship ended (the latest of ComPilot's
 * deletion time, unless ComPilot reported the customer restored since, and an explicit
 * offboarding record), whether a retention hold keeps its data, and whether the customer has
 * been erased.
 * `retention due` lists the rows whose end lies more than RETENTION_DAYS back; the period is a
 * setting, so the projection stores the end, never the due date, and a change of the setting
 * needs no rebuild.
 */
import { streamCategory, streamEntityId } from '../src/events/streams.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import {
  emptyFacts,
  evolveFacts,
  relationshipEnd,
  RETENTION_FACT_TYPES,
  type RetentionFacts,
} from './relationshipEnd.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import type { Projection, RowsByTable } from './projection.js';

function retentionKeyOf(event: RecordedEvent): string | undefined {
  if (isErasedEvent(event) || streamCategory(event.streamName) !== 'customer') return undefined;
  return streamEntityId(event.streamName);
}

function evolveRetention(
  state: RetentionFacts | undefined,
  event: RecordedEvent,
): RetentionFacts | undefined {
  const key = retentionKeyOf(event);
  if (key === undefined) return state;
  return evolveFacts(state ?? emptyFacts(key), event);
}

function retentionRows(_key: string, state: RetentionFacts | undefined): RowsByTable {
  if (state === undefined) return {};
  const end = relationshipEnd(state);
  return {
    retention: [
      {
        customer_id: state.customerId,
        relationship_end: end?.at ?? null,
        end_source: end?.source ?? null,
        deleted_at: state.deletedAt,
        restored_at: state.restoredAt,
        offboarded_at: state.offboardedAt,
        erased_at: state.erasedAt,
        erasure_id: state.erasureId,
        held: state.held ? 1 : 0,
        held_until: state.heldUntil,
      },
    ],
  };
}

export const retentionProjection: Projection<RetentionFacts> = {
  name: 'retention',
  // 2: restored_at (a deletion ComPilot reported undone no longer ends the relationship),
  // withdrawn offboardings, and retention holds (held, held_until).
  version: 2,
  handles: RETENTION_FACT_TYPES,
  tables: [
    {
      name: 'retention',
      columns: [
        { name: 'customer_id', type: 'TEXT', notNull: true },
        { name: 'relationship_end', type: 'TEXT' },
        { name: 'end_source', type: 'TEXT' },
        { name: 'deleted_at', type: 'TEXT' },
        { name: 'restored_at', type: 'TEXT' },
        { name: 'offboarded_at', type: 'TEXT' },
        { name: 'erased_at', type: 'TEXT' },
        { name: 'erasure_id', type: 'TEXT' },
        { name: 'held', type: 'INTEGER', notNull: true },
        { name: 'held_until', type: 'TEXT' },
      ],
      primaryKey: ['customer_id'],
      indexes: [['relationship_end', 'customer_id']],
    },
  ],
  keyOf: retentionKeyOf,
  evolve: evolveRetention,
  rows: retentionRows,
};
