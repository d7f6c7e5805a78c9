/** The customer's history: status timeline with both clocks, KYC history, alerts. */
import type { KycHistoryEntry } from '../../../projections/kycHistory.js';
import type { AlertRecord } from '../../readmodel/queries.js';
import type { ReportTimelineRow } from '../customerReport.js';
import { Time, Value } from './layout.js';

export function TimelineTable({ rows }: { rows: readonly ReportTimelineRow[] }) {
  return (
    <table class="timeline">
      <caption>
        In ComPilot time order. A delivery marked <span class="badge badge-late">late</span> was
        received after a delivery of a newer fact.
      </caption>
      <thead>
        <tr>
          <th scope="col">Effective (ComPilot time)</th>
          <th scope="col">Received by us</th>
          <th scope="col">Event</th>
          <th scope="col">Change</th>
          <th scope="col">Evidence</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.eventId} class={row.late ? 'late' : undefined}>
            <td>
              <Time value={row.at} />
            </td>
            <td>
              <Time value={row.receivedAt} />
              {row.late && (
                <>
                  {' '}
                  <span class="badge badge-late">late</span>
                </>
              )}
            </td>
            <td>
              <code>{row.eventType}</code>
            </td>
            <td>
              {row.changes.length === 0 ? (
                <span class="none">no change</span>
              ) : (
                <ul class="plain">
                  {row.changes.map((change) => (
                    <li key={change}>{change}</li>
                  ))}
                </ul>
              )}
              {row.reason && <small>reason: {row.reason}</small>}
            </td>
            <td>
              <small>{row.evidence}</small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function KycHistoryTable({ entries }: { entries: readonly KycHistoryEntry[] }) {
  if (entries.length === 0) return <p>No KYC history is recorded.</p>;
  return (
    <table>
      <caption>KYC changes in ComPilot time order</caption>
      <thead>
        <tr>
          <th scope="col">Effective (ComPilot time)</th>
          <th scope="col">Kind</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Reason</th>
          <th scope="col">Evidence</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.entryId}>
            <td>
              <Time value={entry.effectiveAt} />
            </td>
            <td>{entry.kind}</td>
            <td>
              <Value value={entry.from} />
            </td>
            <td>
              <Value value={entry.to} />
            </td>
            <td>
              <Value value={entry.reason} />
            </td>
            <td>
              <small>
                {entry.evidence.webhook &&
                  `${entry.evidence.webhook.eventType} at position ${entry.evidence.webhook.position}`}
                {entry.evidence.webhook && entry.evidence.snapshot && '; '}
                {entry.evidence.snapshot &&
                  `snapshot at position ${entry.evidence.snapshot.position}`}
              </small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertsTable(props: {
  alerts: readonly AlertRecord[];
  caption: string;
  showCustomer: boolean;
}) {
  if (props.alerts.length === 0) return <p>No alerts.</p>;
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.showCustomer && <th scope="col">Customer</th>}
          <th scope="col">Alert</th>
          <th scope="col">Status</th>
          <th scope="col">Severity</th>
          <th scope="col">Reason</th>
          <th scope="col">Workflow</th>
          <th scope="col">Updated (ComPilot time)</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((alert) => (
          <tr key={alert.alertId}>
            {props.showCustomer && (
              <td>
                {alert.customerId ? (
                  <a href={`/ui/customers/${encodeURIComponent(alert.customerId)}`}>
                    {alert.customerId}
                  </a>
                ) : (
                  <span class="none">unknown</span>
                )}
              </td>
            )}
            <td>
              <code>{alert.alertId}</code>
            </td>
            <td>
              <Value value={alert.status} />
            </td>
            <td>
              <Value value={alert.severity} />
            </td>
            <td>
              <Value value={alert.reason} />
            </td>
            <td>
              <Value value={alert.workflowName} />
            </td>
            <td>
              <Time value={alert.updatedAt ?? alert.createdAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
