/**
 * The component schemas of the OpenAPI document (see openapi.ts). Answers of the query API are
 * validated against them in tests, so they describe what the routes really return.
 */
import { EVENT_ORIGINS } from './eventView.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };

/** The customer fields the full customer and the list's summary both carry. */
const customerCore = {
  customerId: text,
  externalCustomerId: nullable(text),
  status: nullable(text),
  riskScore: nullable(text),
  onboardingLevel: nullable(text),
  type: nullable(text),
  deleted: { type: 'boolean' },
  createdAt: nullable(text),
  updatedAt: nullable(text),
  openAlertCount: { type: 'integer', minimum: 0 },
};

/** Schemas of the query API's answers (OpenAPI 3.1 = JSON Schema 2020-12). */
export function componentSchemas(): Json {
  return {
    ...reconciliationSchemas(),
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'string' } },
    },
    SignatureProof: {
      type: 'object',
      required: ['verdict'],
      properties: {
        verdict: { enum: ['valid', 'invalid', 'no-matching-secret'] },
        secretIndex: { type: 'integer', minimum: 0 },
        reason: {
          enum: [
            'body-sha256-mismatch',
            'metadata-incomplete',
            'malformed-signature-headers',
            'no-secret-configured',
            'signed-with-unknown-secret',
          ],
        },
      },
    },
    AuditEvent: {
      type: 'object',
      required: [
        'streamName',
        'revision',
        'position',
        'id',
        'type',
        'svixId',
        'comPilotTime',
        'receivedAt',
        'recordedAt',
        'origin',
        'metadata',
        'body',
      ],
      properties: {
        streamName: text,
        revision: { type: 'integer', minimum: 0 },
        position: text,
        id: text,
        type: text,
        svixId: nullable(text),
        comPilotTime: nullable(time),
        receivedAt: time,
        recordedAt: time,
        origin: {
          enum: [...EVENT_ORIGINS],
          description:
            'webhook: a delivery; enrichment: details fetched for a webhook; reconciliation: ' +
            'details recorded because reconciliation found the ledger differed from ComPilot.',
        },
        metadata: { type: 'object' },
        body: {
          type: 'string',
          description: 'The stored bytes as UTF-8 (base64 if bodyEncoding).',
        },
        bodyEncoding: { const: 'base64' },
        signature: nullable(ref('SignatureProof')),
      },
    },
    AuditTrailPage: {
      type: 'object',
      required: ['customerId', 'streamName', 'events', 'nextCursor'],
      properties: {
        customerId: text,
        streamName: text,
        events: { type: 'array', items: ref('AuditEvent') },
        nextCursor: nullable(text),
        verifiedAt: time,
      },
    },
    FeedPage: {
      type: 'object',
      required: ['events', 'nextAfter', 'caughtUp'],
      properties: {
        events: { type: 'array', items: ref('AuditEvent') },
        nextAfter: nullable(text),
        caughtUp: { type: 'boolean' },
      },
    },
    Customer: {
      type: 'object',
      description:
        'The customer-state projection of one customer; `evidence` names, per field, the event ' +
        'that set it. The current state adds openAlertCount and alertCounts (by alert status).',
      required: ['customerId', 'status', 'riskScore', 'onboardingLevel', 'deleted', 'evidence'],
      properties: {
        ...customerCore,
        reason: nullable(text),
        wallets: { type: 'array', items: { type: 'object' } },
        emails: { type: 'array', items: text },
        deletedAt: nullable(text),
        lastEventPosition: text,
        evidence: { type: 'object' },
        alertCounts: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    },
    CustomerSummary: {
      type: 'object',
      required: [
        'customerId',
        'status',
        'riskScore',
        'onboardingLevel',
        'deleted',
        'openAlertCount',
      ],
      properties: customerCore,
    },
    PointInTimeCustomer: {
      type: 'object',
      required: ['customerId', 'asOf', 'knownAt', 'eventsApplied', 'eventsInStream', 'state'],
      properties: {
        customerId: text,
        asOf: nullable(time),
        knownAt: nullable(time),
        eventsApplied: { type: 'integer', minimum: 0 },
        eventsInStream: { type: 'integer', minimum: 1 },
        lastPosition: nullable(text),
        state: nullable(ref('Customer')),
      },
    },
    KycHistory: {
      type: 'object',
      required: ['customerId', 'entries'],
      properties: {
        customerId: text,
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kind', 'effectiveAt', 'evidence'],
            properties: {
              kind: text,
              from: nullable(text),
              to: nullable(text),
              effectiveAt: time,
              reason: nullable(text),
              evidence: { type: 'object' },
            },
          },
        },
      },
    },
    Alert: {
      type: 'object',
      required: ['alertId', 'customerId', 'status', 'severity', 'tags', 'deleted', 'evidence'],
      properties: {
        alertId: text,
        customerId: nullable(text),
        externalCustomerId: nullable(text),
        status: nullable(text),
        severity: nullable(text),
        reason: nullable(text),
        tags: { type: 'array', items: { type: 'object' } },
        workflowName: nullable(text),
        workflowId: nullable(text),
        scenarioAlertCount: nullable({ type: 'number' }),
        createdAt: nullable(text),
        updatedAt: nullable(text),
        deleted: { type: 'boolean' },
        deletedAt: nullable(text),
        lastEventPosition: text,
        evidence: { type: 'object' },
      },
    },
    CustomerPage: {
      type: 'object',
      required: ['customers', 'nextCursor'],
      properties: {
        customers: { type: 'array', items: ref('CustomerSummary') },
        nextCursor: nullable(text),
      },
    },
    AlertPage: {
      type: 'object',
      required: ['alerts', 'nextCursor'],
      properties: { alerts: { type: 'array', items: ref('Alert') }, nextCursor: nullable(text) },
    },
    WalletOwners: {
      type: 'object',
      required: ['address', 'customers'],
      properties: {
        address: text,
        customers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['customerId', 'address', 'source'],
            properties: {
              customerId: text,
              address: text,
              namespace: nullable(text),
              verified: nullable({ type: 'boolean' }),
              source: text,
            },
          },
        },
      },
    },
  };
}

const count = { type: 'integer', minimum: 0 };
const RUN_COUNTS = [
  'listed',
  'compared',
  'differing',
  'fetched',
  'appended',
  'unconfirmed',
  'failed',
  'missing',
  'skippedBySince',
];

/** `GET /reconciliations`: runs as recorded in the reconciliation stream. */
function reconciliationSchemas(): Json {
  return {
    ReconciliationRun: {
      type: 'object',
      required: ['runId', 'outcome', 'startedAt', 'finishedAt', 'counts', 'startEvent'],
      properties: {
        runId: text,
        outcome: { enum: ['completed', 'failed', 'aborted', 'in-progress'] },
        trigger: { enum: ['cli', 'schedule'] },
        startedAt: time,
        finishedAt: nullable(time),
        durationMs: nullable(count),
        since: nullable(time),
        pageSize: count,
        pages: count,
        totalCount: count,
        resumed: count,
        counts: {
          type: 'object',
          required: RUN_COUNTS,
          properties: Object.fromEntries(RUN_COUNTS.map((name) => [name, count])),
        },
        missing: { type: 'array', items: text, description: 'First 100; reported, never deleted.' },
        differences: {
          type: 'array',
          items: {
            type: 'object',
            required: ['customerId', 'fields'],
            properties: { customerId: text, fields: { type: 'array', items: text } },
          },
        },
        error: nullable(text),
        startEvent: {
          type: 'object',
          description: 'The start record: the causation of every snapshot the run appended.',
          required: ['id', 'position'],
          properties: { id: text, position: text },
        },
      },
    },
    ReconciliationPage: {
      type: 'object',
      required: ['runs', 'nextCursor'],
      properties: {
        runs: { type: 'array', items: ref('ReconciliationRun') },
        nextCursor: nullable(text),
      },
    },
  };
}
