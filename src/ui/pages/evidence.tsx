/** Stored events with their signature verdicts and raw bodies, and the details snapshots. */
import type { AuditEventView } from '../../audit/auditEventView.js';
import type { SignatureProof } from '../../audit/signatureProof.js';
import type { SnapshotChanges } from '../snapshotDiff.js';
import { Time } from './layout.js';

const VERDICT_LABELS: Readonly<Record<SignatureProof['verdict'], string>> = {
  valid: 'signature valid',
  invalid: 'signature INVALID',
  'no-matching-secret': 'no matching secret',
  erased: 'erased (signature no longer checkable)',
};

export function SignatureBadge({ proof }: { proof: SignatureProof | null | undefined }) {
  if (!proof) return <span class="badge badge-neutral">not a delivery</span>;
  return (
    <span class={`badge badge-${proof.verdict}`} data-verdict={proof.verdict}>
      {VERDICT_LABELS[proof.verdict]}
      {proof.reason && <span class="visually-hidden">: {proof.reason}</span>}
    </span>
  );
}

export function EventsList(props: { events: readonly AuditEventView[]; truncated: boolean }) {
  return (
    <>
      <ol class="events">
        {props.events.map((event) => (
          <li key={event.id} class="event card" id={`event-${event.revision}`}>
            <h3>
              #{event.revision} <code>{event.type}</code> <SignatureBadge proof={event.signature} />
            </h3>
            <dl class="facts">
              <dt>Position</dt>
              <dd>
                <code>{event.position}</code>
              </dd>
              <dt>Svix id</dt>
              <dd>{event.svixId ?? <span class="none">—</span>}</dd>
              <dt>ComPilot time</dt>
              <dd>
                <Time value={event.comPilotTime} />
              </dd>
              <dt>Received</dt>
              <dd>
                <Time value={event.receivedAt} />
              </dd>
              {event.signature && event.signature.verdict !== 'valid' && (
                <>
                  <dt>Why</dt>
                  <dd>{event.signature.reason}</dd>
                </>
              )}
            </dl>
            {event.erased ? (
              <p class="erased">
                The data of this event was erased; the erasure record in this customer&apos;s stream
                says by whom, when and why.
              </p>
            ) : event.body === null ? (
              <p>
                The raw body ({event.bodyBytes} bytes) is too large to show inline:{' '}
                <a href={rawHref(event.streamName, event.revision)}>
                  open the raw body of event #{event.revision}
                </a>
                .
              </p>
            ) : (
              <details class="raw">
                <summary>
                  Raw body{event.bodyEncoding === 'base64' ? ' (base64: not UTF-8)' : ''} of event #
                  {event.revision}
                </summary>
                <pre tabIndex={0} aria-label={`Raw body of event ${event.revision}`}>
                  {event.body}
                </pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {props.truncated && (
        <p class="notice">
          Only the first {props.events.length} events are listed; the export has all.
        </p>
      )}
    </>
  );
}

/** The viewer's page of one event's exact stored bytes. */
export function rawHref(streamName: string, revision: number): string {
  return `/ui/streams/${encodeURIComponent(streamName)}/events/${revision}/raw`;
}

export function SnapshotsList({ snapshots }: { snapshots: readonly SnapshotChanges[] }) {
  if (snapshots.length === 0) return <p>No details snapshot has been fetched.</p>;
  return (
    <ol class="snapshots">
      {snapshots.map((snapshot, index) => (
        <li key={snapshot.eventId}>
          <p>
            Snapshot fetched <Time value={snapshot.fetchedAt} /> (position{' '}
            <code>{snapshot.position}</code>)
          </p>
          {snapshot.erased ? (
            <p class="none">The data of this snapshot was erased.</p>
          ) : snapshot.changes === null ? (
            <p class="none">
              {index === 0 ? 'First snapshot: nothing to compare with.' : 'Body is not JSON.'}
            </p>
          ) : snapshot.changes.length === 0 ? (
            <p class="none">No change since the previous snapshot.</p>
          ) : (
            <table>
              <caption>Changed since the previous snapshot</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {snapshot.changes.map((change) => (
                  <tr key={change.path}>
                    <th scope="row">
                      <code>{change.path}</code>
                    </th>
                    <td>{change.before ?? <span class="none">(absent)</span>}</td>
                    <td>{change.after ?? <span class="none">(absent)</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ol>
  );
}
