/**
 * What an erasure record says, computed while the customer's data is still readable: every
 * event the key's destruction makes unreadable (by stream, revision, position and body hash),
 * the stubs that the projections keep (customer, KYC observations, alerts), and the retention
 * facts. Everything the later steps need is in the record, so recovery after a crash works from
 * the record alone, without the (by then possibly destroyed) key.
 */
import { createHash } from 'node:crypto';
import { evolveAlert, type AlertState } from '../../projections/alerts.js';
import { foldCustomer } from '../../projections/customerState.js';
import { evolveKyc, kycKeyOf, type KycDocument } from '../../projections/kycHistory.js';
import { isObject } from '../../projections/eventFacts.js';
import { alertStream, QUARANTINE_STREAM } from '../events/streams.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { isErasedEvent } from '../events/erasedEvent.js';
import { foldFacts, relationshipEnd, erasableFrom } from '../../projections/relationshipEnd.js';
import type { AffectedEvent, AlertStub, ErasedData, KycStub } from '../events/retentionEvents.js';

/** Refused by the policy or because there is nothing to erase; names why (and the due date). */
export class ErasureRefusedError extends Error {
  constructor(
    message: string,
    readonly erasableFrom: string | null = null,
  ) {
    super(message);
    this.name = 'ErasureRefusedError';
  }
}

export interface ErasureRequest {
  readonly customerId: string;
  readonly reason: string;
  readonly by: string;
  /** The legal basis for erasing before the retention period ended. */
  readonly override?: string;
}

export interface CustomerLog {
  readonly events: readonly RecordedEvent[];
  /** Revision of the stream's last event (the erasure record is appended expecting it). */
  readonly head: bigint;
}

const PAGE = 1000;

export async function readWholeStream(
  store: EventStore,
  streamName: string,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let from = 0n; ;) {
    const page = await store.readStream(streamName, { fromRevision: from, maxCount: PAGE });
    events.push(...page);
    if (page.length < PAGE) return events;
    from = page.at(-1)!.revision + 1n;
  }
}

/** A webhook body's `payload.customerId`, if the event's data is a readable one. */
function namedCustomer(event: RecordedEvent): string | undefined {
  if (isErasedEvent(event)) return undefined;
  try {
    const body: unknown = JSON.parse(event.data.toString('utf8'));
    const payload = isObject(body) ? body.payload : undefined;
    return isObject(payload) && typeof payload.customerId === 'string'
      ? payload.customerId
      : undefined;
  } catch {
    return undefined;
  }
}

function affected(event: RecordedEvent): AffectedEvent {
  return {
    stream: event.streamName,
    revision: Number(event.revision),
    position: event.position,
    eventId: event.id,
    type: event.type,
    bodySha256: createHash('sha256').update(event.data).digest('hex'),
  };
}

/** Events of the customer that hold its data: everything but the ledger's own records. */
export function holdsCustomerData(event: RecordedEvent): boolean {
  return !event.type.startsWith('ledger.') && !isErasedEvent(event);
}

function kycStubs(customerId: string, events: readonly RecordedEvent[]): ErasedData['kyc'] {
  const docs = new Map<string, KycDocument | undefined>();
  for (const event of events) {
    const key = kycKeyOf(event);
    if (key !== undefined) docs.set(key, evolveKyc(docs.get(key), event));
  }
  const stubs: { key: string; stub: KycStub }[] = [];
  for (const [key, doc] of [...docs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (doc === undefined || doc.customerId !== customerId) continue;
    const o = doc.observation;
    if (o.kind === 'erased') continue;
    const base = {
      at: o.at,
      type: o.type,
      id: o.id,
      position: o.position,
      svixId: o.svixId,
      tie: o.tie,
    };
    stubs.push({
      key,
      stub:
        o.kind === 'state'
          ? { kind: 'state', ...base }
          : { kind: o.kind, ...base, executionId: o.executionId },
    });
  }
  return stubs;
}

function alertStub(state: AlertState): AlertStub {
  return {
    alertId: state.alertId,
    status: state.status,
    severity: state.severity,
    workflowName: state.workflowName,
    workflowId: state.workflowId,
    scenarioAlertCount: state.scenarioAlertCount,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    deleted: state.deleted,
    deletedAt: state.deletedAt,
  };
}

export interface PlanInput {
  readonly request: ErasureRequest;
  readonly customer: CustomerLog;
  /** Ids of the customer's alerts (from the alerts read model). */
  readonly alertIds: readonly string[];
  readonly retentionDays: number;
  readonly now: Date;
}

/** The erasure record's data, reading the alert streams and the quarantine for the customer. */
export async function planErasure(store: EventStore, input: PlanInput): Promise<ErasedData> {
  const { request, customer } = input;
  const { customerId } = request;
  const touched: RecordedEvent[] = customer.events.filter(holdsCustomerData);
  const alerts: AlertStub[] = [];
  for (const alertId of [...new Set(input.alertIds)].sort()) {
    let state: AlertState | undefined;
    for (const event of await readWholeStream(store, alertStream(alertId))) {
      if (namedCustomer(event) !== customerId) continue;
      touched.push(event);
      state = evolveAlert(state, event);
    }
    if (state !== undefined && state.customerErasedAt === undefined) alerts.push(alertStub(state));
  }
  for (const event of await readWholeStream(store, QUARANTINE_STREAM)) {
    if (namedCustomer(event) === customerId) touched.push(event);
  }
  touched.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  // Destroying the key erases only what it encrypts: events stored in plaintext (before
  // encryption at rest) would stay readable, so the erasure would be a lie.
  const plaintext = touched.filter((event) => event.encryption === undefined).length;
  if (plaintext > 0) {
    throw new ErasureRefusedError(
      `${plaintext} events of customer ${customerId} are stored unencrypted: encrypt the store first (destroying the key would leave them readable)`,
    );
  }
  const facts = foldFacts(customerId, customer.events);
  const end = relationshipEnd(facts);
  const state = foldCustomer(customer.events);
  return {
    customerId,
    erasedAt: input.now.toISOString(),
    by: request.by,
    reason: request.reason,
    override: request.override ?? null,
    relationshipEnd: end,
    erasableFrom: end === null ? null : erasableFrom(end.at, input.retentionDays),
    customer: {
      createdAt: state?.createdAt ?? null,
      deleted: state?.deleted ?? false,
      deletedAt: state?.deletedAt ?? facts.deletedAt,
      restoredAt: facts.restoredAt,
    },
    count: touched.length,
    events: touched.map(affected),
    kyc: kycStubs(customerId, customer.events),
    alerts,
  };
}
