/**
 * The component schemas of customer answers (customer, KYC history, evidence, wallets): part of
 * the OpenAPI document (openapi.ts, openapiSchemas.ts). Every field a real answer carries is
 * declared here; a test validates real answers with undeclared fields forbidden.
 */
import { EVIDENCE_FIELDS } from '../../projections/customerTypes.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const nullableText = nullable(text);

function object(required: string[], properties: Json, description?: string): Json {
  return { type: 'object', ...(description && { description }), required, properties };
}

/** The customer fields the full customer and the list's summary both carry. */
export const customerCore: Json = {
  customerId: text,
  externalCustomerId: nullableText,
  status: nullableText,
  riskScore: nullableText,
  onboardingLevel: nullableText,
  type: nullableText,
  deleted: { type: 'boolean' },
  createdAt: nullableText,
  updatedAt: nullableText,
};

const wallet = {
  address: text,
  namespace: { ...nullableText, description: 'CAIP-2 namespace (eip155, tezos, ...).' },
  verified: nullable({ type: 'boolean' }),
  source: { enum: ['details', 'send.scenario', 'send.verification.flow'] },
};

export function customerSchemas(): Json {
  return {
    Evidence: object(
      ['at', 'eventType', 'eventId', 'position', 'svixId', 'content'],
      {
        at: { ...time, description: "ComPilot's time of the fact (see comPilotTime)." },
        eventType: text,
        eventId: text,
        position: { ...text, description: 'Log position of the event.' },
        svixId: { ...nullableText, description: 'The delivery, for webhooks.' },
        content: {
          type: 'string',
          pattern: '^[0-9a-f]{8}$',
          description:
            "A short fingerprint of the event's stored bytes (32-bit FNV-1a, 8 hex digits): two " +
            'deliveries of the same bytes share it, and it breaks ties between facts with the ' +
            'same ComPilot time so every replay picks the same winner. Not a proof: the ' +
            "event's metadata.bodySha256 and its signature are.",
        },
      },
      'The event that established a fact: who said it, when by ComPilot time, where in the log.',
    ),
    CustomerWallet: object(['address', 'namespace', 'verified', 'source'], wallet),
    ObservedWallet: object(['address', 'namespace', 'verified', 'source', 'seenIn'], {
      ...wallet,
      seenIn: ref('Evidence'),
    }),
    Customer: object(
      [
        'asOf',
        'knownAt',
        'eventsApplied',
        'eventsInStream',
        'customerId',
        'status',
        'riskScore',
        'onboardingLevel',
        'deleted',
        'lastEventPosition',
        'evidence',
        'openAlertCount',
        'alertCounts',
      ],
      {
        asOf: { ...nullable(time), description: 'The asOf asked for; null for the current state.' },
        knownAt: {
          ...nullable(time),
          description: 'The knownAt asked for; null for the current state.',
        },
        eventsApplied: {
          ...nullable({ type: 'integer', minimum: 1 }),
          description: 'Events folded into this state; null for the current state (read model).',
        },
        eventsInStream: {
          ...nullable({ type: 'integer', minimum: 1 }),
          description: 'Events the customer stream holds; null for the current state.',
        },
        ...customerCore,
        reason: nullableText,
        name: nullableText,
        givenName: nullableText,
        familyName: nullableText,
        birthdate: nullableText,
        nationality: nullableText,
        residence: nullableText,
        emails: { type: 'array', items: text },
        wallets: {
          type: 'array',
          description: "The newest snapshot's wallets plus those evaluated in runs.",
          items: ref('CustomerWallet'),
        },
        walletsFromDetails: { type: 'array', items: ref('CustomerWallet') },
        walletsObserved: { type: 'array', items: ref('ObservedWallet') },
        deletedAt: nullableText,
        detailsFetchedAt: nullableText,
        detailsNotFound: { type: 'boolean' },
        lastEventPosition: text,
        evidence: {
          type: 'object',
          description: 'Per field that has been set: the event that set it.',
          propertyNames: { enum: [...EVIDENCE_FIELDS] },
          additionalProperties: ref('Evidence'),
        },
        openAlertCount: {
          ...nullable({ type: 'integer', minimum: 0 }),
          description: 'Open alerts now; null at a point in time (alerts are not folded).',
        },
        alertCounts: {
          ...nullable({ type: 'object', additionalProperties: { type: 'integer' } }),
          description: 'Alerts by status now (deleted ones left out); null at a point in time.',
        },
      },
      'A customer: the customer-state projection (current state) or the customer stream folded ' +
        'at a point in time, in one shape. `evidence` names, per field, the event that set it.',
    ),
    CustomerSummary: object(
      ['customerId', 'status', 'riskScore', 'onboardingLevel', 'deleted', 'openAlertCount'],
      { ...customerCore, openAlertCount: { type: 'integer', minimum: 0 } },
    ),
    KycEntry: object(
      [
        'customerId',
        'entryId',
        'seq',
        'kind',
        'from',
        'to',
        'effectiveAt',
        'reason',
        'evidence',
        'detail',
      ],
      {
        customerId: text,
        entryId: text,
        seq: { type: 'integer', minimum: 0, description: '0-based place in the history.' },
        kind: {
          enum: [
            'status',
            'onboardingLevel',
            'riskScore',
            'deleted',
            'scenario',
            'verification-flow',
            'erased',
          ],
        },
        from: nullableText,
        to: nullableText,
        effectiveAt: { ...time, description: "ComPilot's time of the change." },
        reason: nullableText,
        evidence: object(['source', 'webhook', 'snapshot'], {
          source: { enum: ['webhook', 'details'] },
          webhook: nullable(
            object(['eventId', 'eventType', 'position', 'svixId'], {
              eventId: text,
              eventType: text,
              position: text,
              svixId: nullableText,
            }),
          ),
          snapshot: nullable(
            object(['eventId', 'position', 'fetchedAt'], {
              eventId: text,
              position: text,
              fetchedAt: nullableText,
            }),
          ),
        }),
        detail: {
          ...nullable({ type: 'object' }),
          description: 'Scenario and verification-flow results as ComPilot sent them.',
        },
      },
    ),
    KycHistory: object(
      ['customerId', 'entries', 'nextCursor'],
      {
        customerId: text,
        entries: { type: 'array', items: ref('KycEntry') },
        nextCursor: nullableText,
      },
      'A page of the history: at most `limit` entries and at most 8 MiB of JSON (at least one ' +
        'entry); pass nextCursor back to continue, null once the history is complete.',
    ),
  };
}
