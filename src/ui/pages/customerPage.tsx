/**
 * The customer page; printed, it is the audit report (its print header names the customer, the
 * generation time, the service version and the checkpoint it was checked against).
 */
import type { CustomerReport } from '../customerReport.js';
import { EventsList, SnapshotsList } from './evidence.js';
import { AlertsTable, KycHistoryTable, TimelineTable } from './history.js';
import { customerHref } from './homePage.js';
import { Layout, Time, type PageContext } from './layout.js';
import { PointInTimeForm, PointInTimeResult } from './pointInTimeSection.js';
import { RetentionSection } from './retentionSection.js';
import { StateTable } from './stateTable.js';

export function CustomerPage(props: {
  report: CustomerReport;
  context: PageContext;
  date: string;
  time: string;
}) {
  const { report, context } = props;
  const href = customerHref(report.customerId);
  const state = report.current ?? report.folded;
  const checkpoint = context.ledger.checkpoint;
  const proofs = report.events.map((event) => event.signature).filter((proof) => !!proof);
  // An erased body has no signature left to check: its erasure record accounts for it.
  const failing = proofs.filter((p) => p.verdict !== 'valid' && p.verdict !== 'erased').length;
  const erased = proofs.filter((p) => p.verdict === 'erased').length;
  const erasure = state?.evidence.erased;
  const proofsByEvent = new Map(report.events.map((event) => [event.id, event.signature]));
  return (
    <Layout title={`Customer ${report.customerId}`} context={context} current="customers">
      <div class="print-only report-header">
        <p class="report-title">Audit report · customer {report.customerId}</p>
        <p>
          Generated {context.generatedAt} by compilot-ledger {context.version}; checked against{' '}
          {checkpoint
            ? `checkpoint at position ${checkpoint.position}${checkpoint.createdAt ? ` (${checkpoint.createdAt})` : ''}`
            : 'no checkpoint (none written yet)'}
          .
        </p>
      </div>
      <h1>
        Customer <span class="id">{report.customerId}</span>
      </h1>
      <p class="summary">
        {report.events.length} stored event{report.events.length === 1 ? '' : 's'}; {proofs.length}{' '}
        deliver{proofs.length === 1 ? 'y' : 'ies'} re-verified:{' '}
        {failing === 0 && erased === proofs.length && erased > 0 ? (
          <span class="badge">erased: signatures no longer checkable</span>
        ) : failing === 0 ? (
          <span class="badge badge-valid">
            {erased === 0 ? 'all signatures valid' : `valid, ${erased} erased`}
          </span>
        ) : (
          <span class="badge badge-invalid">{failing} not valid</span>
        )}
      </p>
      {erasure && (
        <p class="notice erased">
          This customer was erased on <Time value={erasure.at} />: its personal data can no longer
          be read. The erasure record (position <code>{erasure.position}</code>, type{' '}
          <code>{erasure.eventType}</code>) says by whom, why and on which legal basis.
        </p>
      )}
      <nav aria-label="On this page" class="toc no-print">
        <ul>
          <li>
            <a href="#state">Current state</a>
          </li>
          <li>
            <a href="#retention">Retention</a>
          </li>
          <li>
            <a href="#point-in-time">Point in time</a>
          </li>
          <li>
            <a href="#timeline">Timeline</a>
          </li>
          <li>
            <a href="#kyc">KYC history</a>
          </li>
          <li>
            <a href="#alerts">Alerts</a>
          </li>
          <li>
            <a href="#events">Stored events</a>
          </li>
          <li>
            <a href="#snapshots">Details snapshots</a>
          </li>
        </ul>
        <p class="downloads">
          Download the audit trail:{' '}
          <a href={`${href}/export.ndjson`} download>
            NDJSON
          </a>{' '}
          ·{' '}
          <a href={`${href}/export.csv`} download>
            CSV
          </a>
        </p>
      </nav>

      <section id="state" aria-labelledby="state-heading">
        <h2 id="state-heading">Current state</h2>
        {state ? (
          <StateTable
            state={state}
            proofs={proofsByEvent}
            caption={
              report.current
                ? 'From the read model, with the event that set each field'
                : 'Folded from the stored events (the read model has not caught up yet)'
            }
          />
        ) : (
          <p>No state has been recorded for this customer.</p>
        )}
      </section>

      <RetentionSection retention={report.retention} />

      <section
        id="point-in-time"
        aria-labelledby="pit-heading"
        class={report.pointInTime ? undefined : 'no-print'}
      >
        <h2 id="pit-heading">Point in time</h2>
        <PointInTimeForm customerHref={href} date={props.date} time={props.time} />
        {report.pointInTime && <PointInTimeResult view={report.pointInTime} />}
      </section>

      <section id="timeline" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Status timeline</h2>
        <TimelineTable rows={report.timeline} />
      </section>

      <section id="kyc" aria-labelledby="kyc-heading">
        <h2 id="kyc-heading">KYC history</h2>
        <KycHistoryTable entries={report.kycHistory} />
      </section>

      <section id="alerts" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Alerts</h2>
        <AlertsTable
          alerts={report.alerts}
          caption="Alerts of this customer"
          showCustomer={false}
        />
      </section>

      <section id="events" aria-labelledby="events-heading">
        <h2 id="events-heading">Stored events</h2>
        <p>
          Every event of the customer stream, oldest first; each delivery's Svix signature is
          recomputed over the stored bytes with the configured secrets.
        </p>
        <EventsList events={report.events} truncated={report.eventsTruncated} />
      </section>

      <section id="snapshots" aria-labelledby="snapshots-heading">
        <h2 id="snapshots-heading">Details snapshots</h2>
        <SnapshotsList snapshots={report.snapshots} />
      </section>
    </Layout>
  );
}
