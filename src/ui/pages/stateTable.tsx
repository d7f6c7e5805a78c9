/** The customer's state in plain language, each field with the event that set it. */
import type { CustomerState, Evidence, EvidenceField } from '../../../projections/customerState.js';
import { isErasedCustomer } from '../../../projections/erasedCustomer.js';
import type { ComponentChildren } from 'preact';
import type { SignatureProof } from '../../audit/signatureProof.js';
import { SignatureBadge } from './evidence.js';
import { Time, Value } from './layout.js';

interface Row {
  readonly label: string;
  readonly value: ComponentChildren;
  readonly evidence: EvidenceField;
}

/** Signature verdicts by event id: shown beside the evidence of the fields that event set. */
export type ProofsByEvent = ReadonlyMap<string, SignatureProof | null | undefined>;

export function StateTable(props: {
  state: CustomerState;
  caption: string;
  proofs?: ProofsByEvent;
  /** Value and effective time only (for the narrow point-in-time columns). */
  compact?: boolean;
}) {
  const { state, caption, proofs, compact } = props;
  const rows: Row[] = [
    { label: 'Status', value: <Value value={state.status} />, evidence: 'status' },
    { label: 'Risk score', value: <Value value={state.riskScore} />, evidence: 'riskScore' },
    {
      label: 'Onboarding level',
      value: <Value value={state.onboardingLevel} />,
      evidence: 'onboardingLevel',
    },
    { label: 'Name', value: <Value value={fullName(state)} />, evidence: 'claims' },
    { label: 'Nationality', value: <Value value={state.nationality} />, evidence: 'claims' },
    { label: 'Residence', value: <Value value={state.residence} />, evidence: 'claims' },
    { label: 'Date of birth', value: <Value value={state.birthdate} />, evidence: 'claims' },
    { label: 'Type', value: <Value value={state.type} />, evidence: 'type' },
    {
      label: 'External customer id',
      value: <Value value={state.externalCustomerId} />,
      evidence: 'externalCustomerId',
    },
    { label: 'Reason given', value: <Value value={state.reason} />, evidence: 'reason' },
    { label: 'Emails', value: <List items={state.emails} />, evidence: 'emails' },
    {
      label: 'Wallets',
      value: (
        <List
          items={state.wallets.map(
            (w) =>
              `${w.address}${w.namespace ? ` (${w.namespace})` : ''}${w.verified ? ', verified' : ''}`,
          )}
        />
      ),
      evidence: 'wallets',
    },
    { label: 'Created (ComPilot)', value: <Time value={state.createdAt} />, evidence: 'createdAt' },
    {
      label: 'Deleted',
      value: state.deleted ? (
        <>
          yes, at <Time value={state.deletedAt} />
        </>
      ) : (
        'no'
      ),
      evidence: 'deleted',
    },
  ];
  return (
    <table class="state">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value</th>
          {!compact && <th scope="col">Set by</th>}
          <th scope="col">Effective (ComPilot time)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td>{row.value}</td>
            {compact ? (
              <td>
                <Time value={state.evidence[row.evidence]?.at} />
              </td>
            ) : (
              <EvidenceCells
                evidence={state.evidence[row.evidence]}
                proofs={proofs}
                erased={isErasedCustomer(state)}
              />
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EvidenceCells(props: {
  evidence: Evidence | undefined;
  proofs?: ProofsByEvent;
  /** The customer was erased: what set a field is gone with the data, not never known. */
  erased: boolean;
}) {
  const { evidence, proofs, erased } = props;
  if (!evidence) {
    return (
      <>
        <td class="none">{erased ? 'erased with the personal data' : 'not set by any event'}</td>
        <td class="none">—</td>
      </>
    );
  }
  return (
    <>
      <td>
        {evidence.svixId ? 'delivery' : 'snapshot'} <code>{evidence.eventType}</code>
        <br />
        <small>
          {evidence.svixId ? <>svix {evidence.svixId}, </> : <>event {evidence.eventId}, </>}
          position {evidence.position}
        </small>
        {evidence.svixId && proofs?.has(evidence.eventId) && (
          <>
            {' '}
            <SignatureBadge proof={proofs.get(evidence.eventId)} />
          </>
        )}
      </td>
      <td>
        <Time value={evidence.at} />
      </td>
    </>
  );
}

function List({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span class="none">—</span>;
  return (
    <ul class="plain">
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

function fullName(state: CustomerState): string | null {
  if (state.name) return state.name;
  const parts = [state.givenName, state.familyName].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(' ') : null;
}
