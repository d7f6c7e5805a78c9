/** Open alerts by customer, filterable by status and customer. */
import { ALERT_STATUSES } from '../../readmodel/vocabulary.js';
import type { AlertRecord } from '../../readmodel/queries.js';
import { AlertsTable } from './history.js';
import { Layout, type PageContext } from './layout.js';

export interface AlertsData {
  /** `open` = every status but Closed. */
  readonly status: string;
  readonly customerId: string;
  readonly alerts: readonly AlertRecord[];
  readonly truncated: boolean;
}

export function AlertsPage({ data, context }: { data: AlertsData; context: PageContext }) {
  return (
    <Layout title="Alerts" context={context} current="alerts">
      <h1>Alerts</h1>
      <form method="get" action="/ui/alerts" class="inline-form filters">
        <span class="field">
          <label for="status">Status</label>
          <select id="status" name="status">
            {[
              ['open', 'Open (not closed)'],
              ['all', 'Any status'],
              ...ALERT_STATUSES.map((s) => [s, s]),
            ].map(([value, label]) => (
              <option key={value} value={value} selected={data.status === value}>
                {label}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="customerId">Customer id</label>
          <input id="customerId" name="customerId" type="text" value={data.customerId} />
        </span>
        <button type="submit">Filter</button>
      </form>
      <AlertsTable
        alerts={data.alerts}
        caption={`${data.alerts.length} alert${data.alerts.length === 1 ? '' : 's'}, by customer`}
        showCustomer
      />
      {data.truncated && <p class="notice">Only the first {data.alerts.length} are listed.</p>}
    </Layout>
  );
}
