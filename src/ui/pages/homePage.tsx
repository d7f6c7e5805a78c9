/** Find a customer: the search box, its matches, and the recently changed customers. */
import type { CustomerRecord } from '../../readmodel/queries.js';
import { CUSTOMER_STATUSES, RISK_SCORES } from '../../readmodel/vocabulary.js';
import type { CustomerMatch } from '../findCustomer.js';
import { Layout, Time, Value, type PageContext } from './layout.js';

export interface HomeData {
  readonly query: string;
  readonly matches: readonly CustomerMatch[] | undefined;
  readonly status: string | undefined;
  readonly riskScore: string | undefined;
  readonly recent: readonly CustomerRecord[];
}

export function HomePage({ data, context }: { data: HomeData; context: PageContext }) {
  return (
    <Layout title="Customers" context={context} current="customers">
      <h1>Customers</h1>
      <section aria-labelledby="find-heading" class="card">
        <h2 id="find-heading">Find a customer</h2>
        <form method="get" action="/ui/" role="search" class="inline-form">
          <label for="q">ComPilot customer id, external customer id, wallet address or email</label>
          <input id="q" name="q" type="search" value={data.query} autocomplete="off" required />
          <button type="submit">Search</button>
        </form>
        {data.matches !== undefined && <Matches query={data.query} matches={data.matches} />}
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recently changed customers</h2>
        <form method="get" action="/ui/" class="inline-form filters">
          <FilterSelect
            id="status"
            label="Status"
            options={CUSTOMER_STATUSES}
            value={data.status}
          />
          <FilterSelect
            id="riskScore"
            label="Risk score"
            options={RISK_SCORES}
            value={data.riskScore}
          />
          <button type="submit">Filter</button>
        </form>
        {data.recent.length === 0 ? (
          <p>No customer matches these filters.</p>
        ) : (
          <CustomerTable customers={data.recent} caption="Most recently changed first" />
        )}
      </section>
    </Layout>
  );
}

function Matches({ query, matches }: { query: string; matches: readonly CustomerMatch[] }) {
  if (matches.length === 0) {
    return (
      <p class="notice" role="status">
        No customer found for “{query}”.
      </p>
    );
  }
  return (
    <div role="status">
      <h3>
        {matches.length} match{matches.length === 1 ? '' : 'es'} for “{query}”
      </h3>
      <ul class="matches">
        {matches.map((match) => (
          <li key={match.customerId}>
            <a href={customerHref(match.customerId)}>{match.customerId}</a> — matched by{' '}
            {match.matchedBy.join(', ')}
            {match.customer && (
              <>
                {' '}
                · {match.customer.name ?? 'no name'} · status{' '}
                <Value value={match.customer.status} />
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function FilterSelect(props: {
  id: string;
  label: string;
  options: readonly string[];
  value: string | undefined;
}) {
  return (
    <span class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        <option value="" selected={props.value === undefined}>
          Any
        </option>
        {props.options.map((option) => (
          <option key={option} value={option} selected={props.value === option}>
            {option}
          </option>
        ))}
      </select>
    </span>
  );
}

function CustomerTable(props: { customers: readonly CustomerRecord[]; caption: string }) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Customer</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Risk</th>
          <th scope="col">Onboarding</th>
          <th scope="col">Open alerts</th>
          <th scope="col">Last change (ComPilot time)</th>
        </tr>
      </thead>
      <tbody>
        {props.customers.map((customer) => (
          <tr key={customer.customerId}>
            <th scope="row">
              <a href={customerHref(customer.customerId)}>{customer.customerId}</a>
            </th>
            <td>
              <Value value={customer.name} />
            </td>
            <td>
              <Value value={customer.status} />
              {customer.deleted && ' (deleted)'}
            </td>
            <td>
              <Value value={customer.riskScore} />
            </td>
            <td>
              <Value value={customer.onboardingLevel} />
            </td>
            <td>{customer.openAlertCount}</td>
            <td>
              <Time value={customer.updatedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function customerHref(customerId: string): string {
  return `/ui/customers/${encodeURIComponent(customerId)}`;
}
