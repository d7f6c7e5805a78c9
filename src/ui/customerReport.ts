/**
 * Everything the customer page shows, gathered through the use cases the JSON API and the CLI
 * answer with: the read model's current state, KYC history and alerts; the audit trail with
 * signature proofs; the timeline of `compilot-ledger audit`; the point-in-time fold.
 */
import type { CustomerState } from '../../projections/customerState.js';
import type { KycHistoryEntry } from '../../projections/kycHistory.js';
import { readAuditTrail } from '../audit/auditTrail.js';
import { retentionFold, type CustomerRetention } from '../audit/customerRetention.js';
import type { AuditEventView } from '../audit/auditEventView.js';
import {
  customerAt,
  customerEventsAt,
  isWithin,
  type PointInTimeFold,
} from '../audit/pointInTime.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import type { SignatureProver } from '../audit/signatureProof.js';
import { timelineBuilder, type TimelineRow } from '../audit/timeline.js';
import type { AlertRecord, CustomerRecord } from '../readmodel/queries.js';
import type { EventStore } from '../store/eventStore.js';
import { snapshotTracker, type SnapshotChanges } from './snapshotDiff.js';

/** Stored events listed on the page at most; the export has them all. */
export const MAX_EVENTS_SHOWN = 1000;

export interface ReportTimelineRow extends TimelineRow {
  /** A delivery that arrived after a delivery of a newer fact (ComPilot time). */
  readonly late: boolean;
}

export interface AppliedEvent {
  readonly position: string;
  readonly type: string;
  readonly id: string;
}

export interface PointInTimeView {
  readonly at: string;
  readonly byEffectiveTime: PointInTimeFold;
  readonly byReceivedTime: PointInTimeFold;
  readonly appliedByEffectiveTime: readonly AppliedEvent[];
  readonly appliedByReceivedTime: readonly AppliedEvent[];
}

export interface CustomerReport {
  readonly customerId: string;
  /** The read model's current state; undefined until the projection has it. */
  readonly current: CustomerRecord | undefined;
  /** The state folded from the whole stream, when the read model does not have it yet. */
  readonly folded: CustomerState | undefined;
  readonly timeline: readonly ReportTimelineRow[];
  readonly events: readonly AuditEventView[];
  readonly eventsTruncated: boolean;
  readonly kycHistory: readonly KycHistoryEntry[];
  readonly alerts: readonly AlertRecord[];
  readonly snapshots: readonly SnapshotChanges[];
  readonly pointInTime: PointInTimeView | undefined;
  /** Where the customer stands in its retention period (as `erase` decides). */
  readonly retention: CustomerRetention;
}

export interface CustomerReportDeps {
  readonly store: EventStore;
  readonly readModel: QueryReadModel;
  readonly prove: SignatureProver;
  /** RETENTION_DAYS and the clock, for the retention section. */
  readonly retentionDays: number;
  readonly clock: () => Date;
}

/**
 * Undefined when no event of the customer is stored. The stream is read page by page (as the
 * CLI's audit does): only rows, diffs and states stay in memory, never the bodies; the events
 * list is the audit trail's first page, bounded in count and bytes.
 */
export async function customerReport(
  deps: CustomerReportDeps,
  customerId: string,
  at: Date | undefined,
): Promise<CustomerReport | undefined> {
  const timeline = timelineBuilder();
  const snapshots = snapshotTracker();
  const appliedByEffectiveTime: AppliedEvent[] = [];
  const appliedByReceivedTime: AppliedEvent[] = [];
  const retention = retentionFold(customerId);
  let inStream = 0;
  for await (const { event } of customerEventsAt(deps.store, customerId, {})) {
    inStream += 1;
    timeline.add(event);
    retention.add(event);
    snapshots.add(event);
    if (at === undefined) continue;
    const applied = { position: event.position, type: event.type, id: event.id };
    if (isWithin(event, { asOf: at })) appliedByEffectiveTime.push(applied);
    if (isWithin(event, { knownAt: at })) appliedByReceivedTime.push(applied);
  }
  if (inStream === 0) return undefined;
  const trail = await readAuditTrail(deps.store, {
    customerId,
    limit: MAX_EVENTS_SHOWN,
    prove: deps.prove,
  });
  const { rows, state } = timeline.finish();
  const alerts = deps.readModel.listAlerts({ customerId, limit: 500 });
  let pointInTime: PointInTimeView | undefined;
  if (at !== undefined) {
    const [byEffectiveTime, byReceivedTime] = await Promise.all([
      customerAt(deps.store, customerId, { asOf: at }),
      customerAt(deps.store, customerId, { knownAt: at }),
    ]);
    if (byEffectiveTime && byReceivedTime) {
      pointInTime = {
        at: at.toISOString(),
        byEffectiveTime,
        byReceivedTime,
        appliedByEffectiveTime,
        appliedByReceivedTime,
      };
    }
  }
  return {
    customerId,
    current: deps.readModel.getCustomer(customerId),
    folded: state,
    timeline: markLate(rows),
    events: trail?.events ?? [],
    eventsTruncated: (trail?.nextCursor ?? null) !== null,
    kycHistory: deps.readModel.getKycHistory(customerId) ?? [],
    alerts: alerts.items,
    snapshots: snapshots.finish(),
    pointInTime,
    retention: retention.standing({ now: deps.clock(), retentionDays: deps.retentionDays }),
  };
}

/**
 * Rows are in ComPilot time order. A delivery is late when some delivery of a newer fact was
 * received before it: that is what an out-of-order journey looks like to a reviewer.
 */
export function markLate(rows: readonly TimelineRow[]): ReportTimelineRow[] {
  const earliestLaterReceipt: (string | undefined)[] = new Array<string | undefined>(rows.length);
  let earliest: string | undefined;
  for (let index = rows.length - 1; index >= 0; index -= 1) {
    earliestLaterReceipt[index] = earliest;
    const row = rows[index]!;
    if (
      row.svixId !== null &&
      row.at !== null &&
      (earliest === undefined || row.receivedAt < earliest)
    ) {
      earliest = row.receivedAt;
    }
  }
  return rows.map((row, index) => {
    const later = earliestLaterReceipt[index];
    const late = row.svixId !== null && later !== undefined && later < row.receivedAt;
    return { ...row, late };
  });
}
