/**
 * A readable audit timeline of one customer: every event of the stream (up to a point in time),
 * in ComPilot time order, with the KYC changes it carried, the reason, and its evidence. The
 * changes come from the kyc-history projection folded over exactly these events, so the timeline
 * and `GET /customers/:id/kyc-history` tell the same story.
 *
 * Events are added one at a time and kept only as small rows and observations, never with their
 * bodies, so a long stream of large deliveries is folded page by page (see pointInTime.ts).
 */
import { evolveCustomer, type CustomerState } from '../../projections/customerState.js';
import {
  evolveKyc,
  kycEntries,
  kycKeyOf,
  type KycHistoryEntry,
} from '../../projections/kycHistory.js';
import { erasureSummaryOf, isPurgeMarker } from '../retention/erasureView.js';
import type { RecordedEvent } from '../store/eventStore.js';
import { comPilotTimeOf, eventOrigin, receivedAt, type EventOrigin } from './auditEventView.js';
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

/** Builds a timeline from events added oldest first; `finish` sorts and links the rows. */
export function timelineBuilder(prove?: SignatureProver) {
  const docs = new Map<string, ReturnType<typeof evolveKyc>>();
  const pending: PendingRow[] = [];
  const svixIds = new Map<string, string | null>();
  let state: CustomerState | undefined;
  return {
    add(event: RecordedEvent): void {
      const key = kycKeyOf(event);
      if (key !== undefined) docs.set(key, evolveKyc(docs.get(key), event));
      svixIds.set(event.id, svixIdOf(event));
      state = evolveCustomer(state, event);
      // Purge markers are bookkeeping of the erasure record, which has its own row.
      if (!isPurgeMarker(event)) pending.push(pendingRow(event, prove));
    },
    finish(): Timeline {
      const observations = [...docs.values()].flatMap((doc) => (doc ? [doc] : []));
      const entriesByEvent = new Map<string, KycHistoryEntry[]>();
      const customerId = observations[0]?.customerId;
      const entries =
        customerId === undefined
          ? []
          : kycEntries(
              customerId,
              observations.map((doc) => doc.observation),
            );
      for (const entry of entries) {
        const carrier =
          entry.evidence.source === 'details'
            ? entry.evidence.snapshot?.eventId
            : entry.evidence.webhook?.eventId;
        if (carrier === undefined) continue;
        entriesByEvent.set(carrier, [...(entriesByEvent.get(carrier) ?? []), entry]);
      }
      const rows = pending.map(({ row: { erasureSummary, ...row }, evidence }) => {
        const carried = entriesByEvent.get(row.eventId) ?? [];
        return {
          ...row,
          changes: erasureSummary ?? carried.map(describeChange),
          reason: carried.find((entry) => entry.reason !== null)?.reason ?? null,
          evidence: describeEvidence(evidence, svixIds),
        };
      });
      rows.sort((a, b) => {
        const left = a.at ?? a.receivedAt;
        const right = b.at ?? b.receivedAt;
        if (left !== right) return left < right ? -1 : 1;
        return a.position < b.position ? -1 : a.position > b.position ? 1 : 0;
      });
      return { rows, state };
    },
  };
}

function svixIdOf(event: RecordedEvent): string | null {
  return typeof event.metadata.svixId === 'string' ? event.metadata.svixId : null;
}

/** What a row needs of its event once the whole stream is known (no body). */
interface EvidenceSource {
  readonly id: string;
  readonly position: string;
  readonly svixId: string | null;
  readonly replayed: boolean;
  readonly fetchedAt: unknown;
  readonly causationId: unknown;
  readonly reconciliation: TimelineRow['reconciliation'];
}

interface PendingRow {
  readonly row: Omit<TimelineRow, 'changes' | 'reason' | 'evidence'> & {
    readonly erasureSummary?: readonly string[];
  };
  readonly evidence: EvidenceSource;
}

function pendingRow(event: RecordedEvent, prove: SignatureProver | undefined): PendingRow {
  const summary = erasureSummaryOf(event);
  const svixId = svixIdOf(event);
  const at = comPilotTimeOf(event);
  return {
    row: {
      at: at ?? null,
      receivedAt: receivedAt(event).toISOString(),
      eventType: event.type,
      eventId: event.id,
      position: event.position,
      revision: Number(event.revision),
      svixId,
      origin: eventOrigin(event),
      ...reconciliationOf(event),
      ...(prove && { signature: isWebhookDelivery(event) ? prove(event) : null }),
      ...(summary && { erasureSummary: summary }),
    },
    evidence: {
      id: event.id,
      position: event.position,
      svixId,
      replayed: event.metadata.replayedFrom !== undefined,
      fetchedAt: event.metadata.fetchedAt,
      causationId: event.metadata.causationId,
      reconciliation: reconciliationOf(event).reconciliation,
    },
  };
}

function describeChange(entry: KycHistoryEntry): string {
  switch (entry.kind) {
    case 'scenario':
    case 'verification-flow':
      return `${entry.kind}: ${entry.to ?? 'no result'}`;
    case 'deleted':
      return 'deleted';
    case 'erased':
      return 'data erased';
    default:
      return `${entry.kind}: ${entry.from ?? '(none)'} -> ${entry.to ?? '(none)'}`;
  }
}

function describeEvidence(
  source: EvidenceSource,
  svixIds: ReadonlyMap<string, string | null>,
): string {
  const at = `position ${source.position}`;
  if (source.svixId !== null) {
    return `svix ${source.svixId}, ${at}${source.replayed ? ', replayed from quarantine' : ''}`;
  }
  const parts = [`snapshot ${source.id}`, at];
  const { fetchedAt, causationId } = source;
  if (typeof fetchedAt === 'string') parts.push(`fetched ${fetchedAt}`);
  const reconciled = source.reconciliation;
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
