/**
 * `compilot-ledger verify`: checks the whole log in one pass, in commit order:
 * - every webhook delivery's signature (see signatureProof.ts for the verdicts),
 * - every stream's revisions contiguous from 0 (a gap or repeat means lost or forged events),
 * - every details snapshot linked to the webhook event(s) that caused it, by id and position,
 *   in the same stream (DetailsMetadata.causationId/causationPosition/causedBy), or to the start
 *   record of the reconciliation run that appended it.
 *
 * Memory grows with the number of streams and of customer webhook events (a key per event,
 * to resolve causation links), never with the size of bodies.
 */
import { CUSTOMER_EVENT_TYPES, DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../events/types.js';
import { RECONCILIATION_STREAM } from '../events/streams.js';
import { RUN_STARTED } from '../reconcile/runRecords.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { readLogPages } from './logPages.js';
import {
  isWebhookDelivery,
  type SignatureProver,
  type SignatureVerdict,
} from './signatureProof.js';

export type ProblemKind = 'signature' | 'revision' | 'causation';

export interface StoreProblem {
  readonly kind: ProblemKind;
  readonly streamName: string;
  readonly revision: number;
  readonly position: string;
  readonly eventId: string;
  readonly message: string;
}

export interface StoreVerificationSummary {
  readonly events: number;
  readonly streams: number;
  readonly signatures: Readonly<Record<SignatureVerdict, number>>;
  readonly revisionProblems: number;
  readonly snapshots: { readonly linked: number; readonly unlinked: number };
  readonly problems: number;
}

export interface VerifyStoreOptions {
  readonly prove: SignatureProver;
  /** Called for each problem as it is found (the CLI prints them as it goes). */
  readonly onProblem?: (problem: StoreProblem) => void | Promise<void>;
}

const SNAPSHOT_TYPES: ReadonlySet<string> = new Set([DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE]);
const CAUSE_TYPES: ReadonlySet<string> = new Set(CUSTOMER_EVENT_TYPES);

export async function verifyStore(
  store: EventStore,
  options: VerifyStoreOptions,
): Promise<StoreVerificationSummary> {
  const nextRevision = new Map<string, bigint>();
  /** `position \0 id` of every possible cause -> its stream. */
  const causes = new Map<string, string>();
  const signatures: Record<SignatureVerdict, number> = {
    valid: 0,
    invalid: 0,
    'no-matching-secret': 0,
  };
  let events = 0;
  let revisionProblems = 0;
  let linked = 0;
  let unlinked = 0;
  let problems = 0;
  const report = async (kind: ProblemKind, event: RecordedEvent, message: string) => {
    problems += 1;
    await options.onProblem?.({
      kind,
      streamName: event.streamName,
      revision: Number(event.revision),
      position: event.position,
      eventId: event.id,
      message,
    });
  };

  for await (const page of readLogPages(store)) {
    for (const event of page) {
      events += 1;
      const expected = nextRevision.get(event.streamName) ?? 0n;
      if (event.revision !== expected) {
        revisionProblems += 1;
        await report(
          'revision',
          event,
          `revision ${event.revision} where ${expected} was expected (revisions must run 0, 1, 2, ... without gaps)`,
        );
      }
      nextRevision.set(event.streamName, event.revision + 1n);

      if (isWebhookDelivery(event)) {
        const proof = options.prove(event);
        signatures[proof.verdict] += 1;
        if (proof.verdict !== 'valid') {
          await report(
            'signature',
            event,
            `signature ${proof.verdict} (${proof.reason ?? 'unknown'})`,
          );
        }
      }
      if (CAUSE_TYPES.has(event.type) || isRunStart(event))
        causes.set(causeKey(event.position, event.id), event.streamName);
      if (SNAPSHOT_TYPES.has(event.type)) {
        const missing = missingCauses(event, causes);
        if (missing.length === 0) linked += 1;
        else {
          unlinked += 1;
          await report('causation', event, missing.join('; '));
        }
      }
    }
  }
  return {
    events,
    streams: nextRevision.size,
    signatures,
    revisionProblems,
    snapshots: { linked, unlinked },
    problems,
  };
}

/** A reconciliation run's start record causes the snapshots the run appends (src/reconcile/). */
function isRunStart(event: RecordedEvent): boolean {
  return event.streamName === RECONCILIATION_STREAM && event.type === RUN_STARTED;
}

function causeKey(position: string, id: string): string {
  return `${position}\u0000${id}`;
}

/** What is wrong with a snapshot's causation links; empty when every link resolves. */
function missingCauses(event: RecordedEvent, causes: ReadonlyMap<string, string>): string[] {
  const links: { id: unknown; position: unknown }[] = [];
  const { causationId, causationPosition, causedBy, refetchRunId } = event.metadata;
  // A `rebuild --refetch` snapshot is caused by an operator's run, not by a webhook.
  if (typeof refetchRunId === 'string' && refetchRunId !== '') return [];
  if (causationId !== undefined || causationPosition !== undefined) {
    links.push({ id: causationId, position: causationPosition });
  }
  if (Array.isArray(causedBy)) {
    for (const cause of causedBy as unknown[]) {
      const link = (cause ?? {}) as { id?: unknown; position?: unknown };
      links.push({ id: link.id, position: link.position });
    }
  }
  if (links.length === 0) return ['no causation recorded (causationId/causedBy missing)'];
  const problems: string[] = [];
  for (const link of links) {
    if (typeof link.id !== 'string' || typeof link.position !== 'string') {
      problems.push('a causation link lacks its id or position');
      continue;
    }
    const stream = causes.get(causeKey(link.position, link.id));
    if (stream === undefined) {
      problems.push(
        `caused by ${link.id} at ${link.position}, which is not an earlier webhook event or run start`,
      );
    } else if (stream !== event.streamName && stream !== RECONCILIATION_STREAM) {
      problems.push(`caused by ${link.id} of another stream (${stream})`);
    }
  }
  return problems;
}
