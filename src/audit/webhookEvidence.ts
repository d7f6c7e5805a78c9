/**
 * verify's checks of every stored webhook delivery (events of the 8 webhook types and
 * quarantine entries): the signature over the stored bytes, the event id derived from the svix
 * id, the type and stream the signed body itself names, and each svix id stored once. A
 * delivery-type event without a string svix id is a failure, never a skip.
 */
import { QUARANTINE_STREAM, webhookStreamOf } from '../events/streams.js';
import { isWebhookEventType, QUARANTINED_EVENT_TYPE } from '../events/types.js';
import {
  conflictEntryId,
  deliveryEventId,
  quarantineEntryId,
} from '../ingress/deliveryIdentity.js';
import { isErasedEvent } from '../events/erasedEvent.js';
import type { RecordedEvent } from '../store/eventStore.js';
import type { SignatureProver, SignatureVerdict } from './signatureProof.js';

/** Quarantine entries that keep a second body sent under a stored svix id. */
export const SVIX_ID_CONFLICT_REASON = 'svix-id-conflict';

export interface WebhookFinding {
  readonly kind: 'signature' | 'webhook';
  readonly message: string;
}

export interface WebhookEvidenceCounts {
  readonly deliveries: number;
  readonly signatures: Readonly<Record<SignatureVerdict, number>> | 'skipped';
}

export interface WebhookEvidenceChecker {
  /** Findings for one event (empty when it is not a delivery or all is well). */
  check(event: RecordedEvent): WebhookFinding[];
  counts(): WebhookEvidenceCounts;
}

/** `prove` undefined skips signature checks (benchmarks, or no secret at hand). */
export function createWebhookEvidenceChecker(prove?: SignatureProver): WebhookEvidenceChecker {
  const signatures: Record<SignatureVerdict, number> = {
    valid: 0,
    invalid: 0,
    'no-matching-secret': 0,
    erased: 0,
  };
  let deliveries = 0;
  /** svix id -> where it was first seen, one map for events and one for quarantine entries. */
  const stored = new Map<string, string>();
  const quarantined = new Map<string, string>();

  function check(event: RecordedEvent): WebhookFinding[] {
    const webhookType = isWebhookEventType(event.type);
    if (!webhookType && event.type !== QUARANTINED_EVENT_TYPE) return [];
    deliveries += 1;
    const findings: WebhookFinding[] = [];
    const { svixId } = event.metadata;
    if (typeof svixId !== 'string' || svixId === '') {
      return [
        {
          kind: 'webhook',
          message: `a webhook event (${event.type}) without a string svixId: its signature cannot be checked`,
        },
      ];
    }
    if (prove !== undefined) {
      const proof = prove(event);
      signatures[proof.verdict] += 1;
      // An erased body is accounted for by its erasure record (erasureEvidence.ts).
      if (proof.verdict !== 'valid' && proof.verdict !== 'erased') {
        findings.push({
          kind: 'signature',
          message: `signature ${proof.verdict} (${proof.reason ?? 'unknown'})`,
        });
      }
    }
    const here = `${event.streamName}@${event.position}`;
    if (event.type === QUARANTINED_EVENT_TYPE) {
      if (event.streamName !== QUARANTINE_STREAM) {
        findings.push({
          kind: 'webhook',
          message: `a quarantine entry outside ${QUARANTINE_STREAM}`,
        });
      }
      const conflict = event.metadata.quarantineReason === SVIX_ID_CONFLICT_REASON;
      const { bodySha256 } = event.metadata;
      // Builds before the ledger gave quarantine entries the delivery's own id.
      const ids = conflict
        ? [conflictEntryId(svixId, String(bodySha256))]
        : [quarantineEntryId(svixId), deliveryEventId(svixId)];
      if (!ids.includes(event.id)) {
        findings.push({
          kind: 'webhook',
          message: `quarantine entry id ${event.id} is not the one svix id ${svixId} derives (${ids[0]})`,
        });
      }
      if (!conflict) {
        const first = quarantined.get(svixId);
        if (first !== undefined) {
          findings.push({
            kind: 'webhook',
            message: `svix id ${svixId} is quarantined twice (first at ${first})`,
          });
        } else quarantined.set(svixId, here);
      }
      return findings;
    }
    if (event.id !== deliveryEventId(svixId)) {
      findings.push({
        kind: 'webhook',
        message: `event id ${event.id} is not the one svix id ${svixId} derives (${deliveryEventId(svixId)})`,
      });
    }
    const first = stored.get(svixId);
    if (first !== undefined) {
      findings.push({
        kind: 'webhook',
        message: `svix id ${svixId} is stored twice (first at ${first})`,
      });
    } else stored.set(svixId, here);
    if (!isErasedEvent(event)) findings.push(...bodyFindings(event));
    return findings;
  }

  return {
    check,
    counts: () => ({ deliveries, signatures: prove === undefined ? 'skipped' : signatures }),
  };
}

/** The signed body must itself name the stored type and route to the stored stream. */
function bodyFindings(event: RecordedEvent): WebhookFinding[] {
  let body: unknown;
  try {
    body = JSON.parse(event.data.toString('utf8'));
  } catch {
    return [{ kind: 'webhook', message: `a ${event.type} event whose body is not JSON` }];
  }
  const eventType = (body as { eventType?: unknown } | null)?.eventType;
  if (eventType !== event.type) {
    return [
      {
        kind: 'webhook',
        message: `type ${event.type} but the signed body says eventType ${JSON.stringify(eventType)}`,
      },
    ];
  }
  const stream = webhookStreamOf(event.type, body);
  if (stream !== event.streamName) {
    return [
      {
        kind: 'webhook',
        message: `stored in ${event.streamName} but the signed body routes to ${stream ?? 'no stream'}`,
      },
    ];
  }
  return [];
}
