/**
 * `alerts`: the current state of each alert. Every alert webhook carries the alert's whole
 * state, so the newest by ComPilot time (`updatedAt ?? createdAt`, then created < updated <
 * deleted) wins as a whole; deletion is final once seen. Counts by status per customer are a
 * query over this table (indexed by customer).
 */
import { streamCategory, streamEntityId } from '../src/events/streams.js';
import { isErasedEvent } from '../src/events/erasedEvent.js';
import {
  ALERT_PURGE_EVENT_TYPE,
  recordData,
  type AlertPurgeData,
} from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import {
  compareFacts,
  eventEvidence,
  evidenceOf,
  hash,
  isObject,
  isoTime,
  payloadOf,
  text,
  type Evidence,
  type JsonObject,
} from './eventFacts.js';
import type { Projection, RowsByTable } from './projection.js';

export interface AlertTag {
  readonly id: string | null;
  readonly title: string | null;
  readonly type: string | null;
}

export interface AlertState {
  readonly alertId: string;
  readonly customerId: string | null;
  readonly externalCustomerId: string | null;
  readonly status: string | null;
  readonly severity: string | null;
  readonly reason: string | null;
  readonly tags: readonly AlertTag[];
  readonly workflowName: string | null;
  readonly workflowId: string | null;
  readonly scenarioAlertCount: number | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly deleted: boolean;
  /** ComPilot time of the (newest) delete webhook. */
  readonly deletedAt: string | null;
  readonly lastEventPosition: string;
  /** The webhook whose payload is the current state. */
  readonly evidence: Evidence;
  readonly tie: string;
  readonly deletedEvidence: Evidence | null;
  /** Set once the customer was erased: the customer's fields are purged for good. */
  readonly customerErasedAt?: string;
}

const ALERT_TYPES = ['alert.created', 'alert.updated', 'alert.deleted'];
const HANDLED = [...ALERT_TYPES, ALERT_PURGE_EVENT_TYPE];

function alertIdOf(event: RecordedEvent): string | undefined {
  if (!HANDLED.includes(event.type) || isErasedEvent(event)) return undefined;
  if (streamCategory(event.streamName) === 'alert') return streamEntityId(event.streamName);
  if (event.type === ALERT_PURGE_EVENT_TYPE) return undefined;
  return text(payloadOf(event).id) ?? undefined;
}

export function evolveAlert(
  state: AlertState | undefined,
  event: RecordedEvent,
): AlertState | undefined {
  const alertId = alertIdOf(event);
  if (alertId === undefined || (state !== undefined && state.alertId !== alertId)) return state;
  if (event.type === ALERT_PURGE_EVENT_TYPE) return purgedAlert(event);
  if (state?.customerErasedAt !== undefined) return state;
  const payload = payloadOf(event);
  const evidence = eventEvidence(event);
  const candidate = fromPayload(alertId, payload, evidence, state);
  let next: AlertState =
    state === undefined || compareFacts(evidence, candidate.tie, state.evidence, state.tie) > 0
      ? candidate
      : state;
  if (event.type === 'alert.deleted') {
    const newer =
      state?.deletedEvidence == null || compareFacts(evidence, '', state.deletedEvidence, '') > 0;
    if (newer) next = { ...next, deleted: true, deletedAt: evidence.at, deletedEvidence: evidence };
  }
  if (next.lastEventPosition < event.position)
    next = { ...next, lastEventPosition: event.position };
  return next;
}

/**
 * The alert of an erased customer, from the marker alone (a rebuild no longer reads the erased
 * alert webhooks, and must give the same row): status and dates stay, the customer's external
 * id, the reason and the tags (free text) go.
 */
function purgedAlert(event: RecordedEvent): AlertState {
  const { customerId, erasedAt, alert } = recordData<AlertPurgeData>(event);
  const evidence = evidenceOf(event, erasedAt);
  return {
    ...alert,
    customerId,
    externalCustomerId: null,
    reason: null,
    tags: [],
    lastEventPosition: event.position,
    evidence,
    tie: '',
    deletedEvidence: null,
    customerErasedAt: erasedAt,
  };
}

function fromPayload(
  alertId: string,
  payload: JsonObject,
  evidence: Evidence,
  previous: AlertState | undefined,
): AlertState {
  const tags = (Array.isArray(payload.tags) ? (payload.tags as unknown[]) : [])
    .filter(isObject)
    .map((tag) => ({ id: text(tag.id), title: text(tag.title), type: text(tag.type) }));
  const count = payload.scenarioAlertCount;
  const fields = {
    customerId: text(payload.customerId),
    externalCustomerId: text(payload.externalCustomerId),
    status: text(payload.status),
    severity: text(payload.severity),
    reason: text(payload.reason),
    tags,
    workflowName: text(payload.workflowName),
    workflowId: text(payload.workflowId),
    scenarioAlertCount: typeof count === 'number' && Number.isFinite(count) ? count : null,
    createdAt: isoTime(payload.createdAt) ?? null,
    updatedAt: isoTime(payload.updatedAt) ?? null,
  };
  return {
    alertId,
    ...fields,
    deleted: previous?.deleted ?? false,
    deletedAt: previous?.deletedAt ?? null,
    deletedEvidence: previous?.deletedEvidence ?? null,
    lastEventPosition: previous?.lastEventPosition ?? evidence.position,
    evidence,
    // Two deliveries of the same state tie on content and so pick the same winner.
    tie: hash(JSON.stringify(fields)),
  };
}

function alertRows(_key: string, state: AlertState | undefined): RowsByTable {
  if (state === undefined) return {};
  return {
    alerts: [
      {
        alert_id: state.alertId,
        customer_id: state.customerId,
        status: state.status,
        severity: state.severity,
        workflow_name: state.workflowName,
        workflow_id: state.workflowId,
        scenario_alert_count: state.scenarioAlertCount,
        created_at: state.createdAt,
        updated_at: state.updatedAt,
        deleted: state.deleted ? 1 : 0,
        deleted_at: state.deletedAt,
        last_position: state.lastEventPosition,
        customer_erased_at: state.customerErasedAt ?? null,
        doc: JSON.stringify(state),
      },
    ],
  };
}

export const alertsProjection: Projection<AlertState> = {
  name: 'alerts',
  // 3: reason and tags sealed; customer_erased_at, and the stub it marks stored unsealed.
  // 4: the customer's external id, the reason and the tags only in the sealed document.
  version: 4,
  handles: HANDLED,
  tables: [
    {
      name: 'alerts',
      columns: [
        { name: 'alert_id', type: 'TEXT', notNull: true },
        { name: 'customer_id', type: 'TEXT' },
        { name: 'status', type: 'TEXT' },
        { name: 'severity', type: 'TEXT' },
        { name: 'workflow_name', type: 'TEXT' },
        { name: 'workflow_id', type: 'TEXT' },
        { name: 'scenario_alert_count', type: 'INTEGER' },
        { name: 'created_at', type: 'TEXT' },
        { name: 'updated_at', type: 'TEXT' },
        { name: 'deleted', type: 'INTEGER', notNull: true },
        { name: 'deleted_at', type: 'TEXT' },
        { name: 'last_position', type: 'TEXT', notNull: true },
        // When the alert's customer was erased; null for every other alert.
        { name: 'customer_erased_at', type: 'TEXT' },
        // The alert's state, and the only column with personal data: the customer's external
        // id, the reason and the tags (free text about the customer, such as a sanctions hit)
        // are read from it. One sealed value a row: each is a cipher on every write.
        { name: 'doc', type: 'TEXT', notNull: true, sealed: true },
      ],
      primaryKey: ['alert_id'],
      subject: 'customer_id',
      // The alert of an erased customer keeps no customer field (purgedAlert), and must stay
      // readable once the customer's key is destroyed.
      unsealedRows: { column: 'customer_erased_at' },
      indexes: [
        ['customer_id', 'status'],
        ['status', 'alert_id'],
      ],
    },
  ],
  keyOf: alertIdOf,
  evolve: evolveAlert,
  rows: alertRows,
  storage: {
    encode: (state) => JSON.stringify(state),
    decode: (text) => JSON.parse(text) as AlertState,
    inRow: { table: 'alerts', column: 'doc' },
  },
};
