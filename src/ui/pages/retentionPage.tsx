/**
 * The retention page: who is due for erasure and who a retention hold keeps past the period,
 * from the `retention` read model (as `compilot-ledger retention due` lists them), for the
 * compliance officer who decides on erasures. The viewer only reads: erasing stays a recorded
 * command (`compilot-ledger erase`), with its reason and, before the period ends, its legal basis.
 */
import type { DueCustomer, HeldCustomer, RetentionDue } from '../../readmodel/retentionQueries.js';
import { customerHref } from './homePage.js';
import { Layout, Time, type PageContext } from './layout.js';
import { endSourceLabel } from './retentionSection.js';

export interface RetentionData {
  /** Undefined while the projection is not built yet (or being rebuilt for a new version). */
  readonly listed: RetentionDue | undefined;
  readonly retentionDays: number;
  readonly at: string;
}

export function RetentionPage({ data, context }: { data: RetentionData; context: PageContext }) {
  const { listed } = data;
  return (
    <Layout title="Retention" context={context} current="retention">
      <h1>Retention</h1>
      <p>
        Customers whose business relationship ended at least {data.retentionDays} days ago
        (RETENTION_DAYS) and who are not erased, as of <Time value={data.at} />. Each customer page
        says where one customer stands; erasing is done with{' '}
        <code>compilot-ledger erase &lt;customerId&gt; --reason R</code>, which records who, when
        and why.
      </p>
      {listed === undefined ? (
        <p class="notice" role="status">
          The retention projection is being built: the lists will appear once it has caught up.
        </p>
      ) : (
        <>
          <section aria-labelledby="due-heading">
            <h2 id="due-heading">Due for erasure</h2>
            <RetentionTable
              rows={listed.due}
              total={listed.dueCount}
              caption={`${listed.dueCount} customer${listed.dueCount === 1 ? '' : 's'} whose retention period has passed, longest overdue first`}
              empty="No customer is due for erasure."
            />
          </section>
          <section aria-labelledby="held-heading">
            <h2 id="held-heading">Kept by a retention hold</h2>
            <RetentionTable
              held
              rows={listed.held}
              total={listed.heldCount}
              caption={`${listed.heldCount} customer${listed.heldCount === 1 ? '' : 's'} past the period whom a hold keeps (compilot-ledger hold)`}
              empty="No retention hold keeps a customer past its period."
            />
          </section>
        </>
      )}
    </Layout>
  );
}

function RetentionTable(props: {
  rows: readonly (DueCustomer & Partial<Pick<HeldCustomer, 'heldUntil'>>)[];
  /** The rows are held customers: show when each hold ends. */
  held?: boolean;
  /** How many there are in all; `rows` may stop before. */
  total: number;
  caption: string;
  empty: string;
}) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  const { rows, held = false } = props;
  return (
    <>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">End of relationship</th>
            <th scope="col">Ended by</th>
            <th scope="col">Erasable since</th>
            {held && <th scope="col">Held until</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.customerId}>
              <td>
                <a href={`${customerHref(row.customerId)}#retention`} class="id">
                  {row.customerId}
                </a>
              </td>
              <td>
                <Time value={row.relationshipEnd} />
              </td>
              <td>{endSourceLabel(row.source)}</td>
              <td>
                <Time value={row.dueSince} />
              </td>
              {held && <td>{row.heldUntil ? <Time value={row.heldUntil} /> : 'until released'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {props.total > rows.length && (
        <p class="notice">
          Only the first {rows.length} are listed; <code>compilot-ledger retention due --json</code>{' '}
          lists them all.
        </p>
      )}
    </>
  );
}
