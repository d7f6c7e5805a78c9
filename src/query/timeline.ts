/**
 * A readable audit timeline of one customer: every event of the stream (up to a point in time),
 * in ComPilot time order, with the KYC changes it carried, the reason, and its evidence. The
 * changes come from the kyc-history projection folded over exactly these events, so the timeline
 * and `GET /customers/:id/kyc-history` tell the same story.
 */
import { foldCustomer, type CustomerState } from '../../projections/customerState.js';
import { kycHistoryOf, type KycHistoryEntry } from '../../projections/kycHistory.js';
import type { RecordedEvent } from '../store/eventStore.js';
import { comPilotTimeOf, eventOrigin, receivedAt, type EventOrigin } from './eventView.js';
import { isWebhookDelivery, type SignatureProof, type SignatureProver } from './signatureProof.js';

export interface TimelineRow {
  /** ComPilot's time of the event; null when it has none. */
  readonly at: string | null;
  readonly receivedAt: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly position: string;
  readonly revision: number;
  readonly svixId: string | null;
  /** `reconciliation` marks a snapshot recorded because the webhooks had missed a change. */
  readonly origin: EventOrigin;
  /** For a reconciliation snapshot: the run, and what differed between ComPilot and the ledger. */
  readonly reconciliation?: { readonly runId: string; readonly differed: readonly string[] };
  /** e.g. `status: To be reviewed -> Active`, `scenario: valid`. Empty when nothing changed. */
  readonly changes: readonly string[];
  readonly reason: string | null;
  /** What proves the row: the delivery, or the snapshot and the webhook it was fetched for. */
  readonly evidence: string;
  /** With a prover: the delivery's proof, null for events that are not deliveries. */
  readonly signature?: SignatureProof | null;
}

export interface Timeline {
  readonly rows: readonly TimelineRow[];
  readonly state: CustomerState | undefined;
}

export function buildTimeline(events: readonly RecordedEvent[], prove?: SignatureProver): Timeline {
  const entriesByEvent = new Map<string, KycHistoryEntry[]>();
  for (const entry of kycHistoryOf(events)) {
    const carrier =
      entry.evidence.source === 'details'
        ? entry.evidence.snapshot?.eventId
        : entry.evidence.webhook?.eventId;
    if (carrier === undefined) continue;
    entriesByEvent.set(carrier, [...(entriesByEvent.get(carrier) ?? []), entry]);
  }
  const svixIds = new Map(events.map((event) => [event.id, svixIdOf(event)]));
  const rows = events.map((event) =>
    row(event, entriesByEvent.get(event.id) ?? [], svixIds, prove),
  );
  rows.sort((a, b) => {
    const left = a.at ?? a.receivedAt;
    const right = b.at ?? b.receivedAt;
    if (left !== right) return left < right ? -1 : 1;
    return a.position < b.position ? -1 : a.position > b.position ? 1 : 0;
  });
  return { rows, state: foldCustomer(events) };
}

function svixIdOf(event: RecordedEvent): string | null {
  return typeof event.metadata.svixId === 'string' ? event.metadata.svixId : null;
}

function row(
  event: RecordedEvent,
  entries: readonly KycHistoryEntry[],
  svixIds: ReadonlyMap<string, string | null>,
  prove: SignatureProver | undefined,
): TimelineRow {
  const svixId = svixIdOf(event);
  const at = comPilotTimeOf(event);
  return {
    at: at ?? null,
    receivedAt: receivedAt(event).toISOString(),
    eventType: event.type,
    eventId: event.id,
    position: event.position,
    revision: Number(event.revision),
    svixId,
    origin: eventOrigin(event),
    ...reconciliationOf(event),
    changes: entries.map(describeChange),
    reason: entries.find((entry) => entry.reason !== null)?.reason ?? null,
    evidence: describeEvidence(event, svixId, svixIds),
    ...(prove && { signature: isWebhookDelivery(event) ? prove(event) : null }),
  };
}

function describeChange(entry: KycHistoryEntry): string {
  switch (entry.kind) {
    case 'scenario':
    case 'verification-flow':
      return `${entry.kind}: ${entry.to ?? 'no result'}`;
    case 'deleted':
      return 'deleted';
    default:
      return `${entry.kind}: ${entry.from ?? '(none)'} -> ${entry.to ?? '(none)'}`;
  }
}

function describeEvidence(
  event: RecordedEvent,
  svixId: string | null,
  svixIds: ReadonlyMap<string, string | null>,
): string {
  const at = `position ${event.position}`;
  if (svixId !== null) {
    const replayed = event.metadata.replayedFrom !== undefined;
    return `svix ${svixId}, ${at}${replayed ? ', replayed from quarantine' : ''}`;
  }
  const parts = [`snapshot ${event.id}`, at];
  const { fetchedAt, causationId } = event.metadata;
  if (typeof fetchedAt === 'string') parts.push(`fetched ${fetchedAt}`);
  const reconciled = reconciliationOf(event).reconciliation;
  if (reconciled) {
    parts.push(
      `by reconciliation run ${reconciled.runId} (differed: ${reconciled.differed.join(', ')})`,
    );
  } else if (typeof causationId === 'string') {
    const causeSvixId = svixIds.get(causationId);
    parts.push(causeSvixId ? `for svix ${causeSvixId}` : `for event ${causationId}`);
  }
  return parts.join(', ');
}

function reconciliationOf(event: RecordedEvent): Pick<TimelineRow, 'reconciliation'> {
  const meta = event.metadata.reconciliation as
    { runId?: unknown; differences?: unknown } | undefined;
  if (typeof meta?.runId !== 'string') return {};
  const differences = Array.isArray(meta.differences) ? (meta.differences as unknown[]) : [];
  const differed = differences.map((d) => String((d as { field?: unknown } | null)?.field));
  return { reconciliation: { runId: meta.runId, differed } };
}
