/**
 * The component schemas of the OpenAPI document (see openapi.ts). Answers of the query API are
 * validated against them in tests, so they describe what the routes really return.
 */
import { EVENT_ORIGINS } from '../audit/auditEventView.js';
import { customerSchemas } from './openapiCustomerSchemas.js';
import { retentionSchemas } from './openapiRetentionSchemas.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };

const PAGE_DESCRIPTION =
  'A page: at most `limit` items and at most 8 MiB of JSON (at least one item); when either ' +
  'cut it, pass nextCursor back to continue.';

/** Schemas of the query API's answers (OpenAPI 3.1 = JSON Schema 2020-12). */
export function componentSchemas(): Json {
  return {
    ...reconciliationSchemas(),
    ...customerSchemas(),
    ...retentionSchemas(),
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'string' } },
    },
    SignatureProof: {
      type: 'object',
      required: ['verdict'],
      properties: {
        verdict: {
          enum: ['valid', 'invalid', 'no-matching-secret', 'erased'],
          description: 'erased: the body was crypto-shredded; its erasure record accounts for it.',
        },
        secretIndex: { type: 'integer', minimum: 0 },
        reason: {
          enum: [
            'body-sha256-mismatch',
            'metadata-incomplete',
            'malformed-signature-headers',
            'no-secret-configured',
            'signed-with-unknown-secret',
            'body-erased',
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
        'bodyBytes',
        'rawUrl',
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
        metadata: {
          type: 'object',
          description:
            'What was recorded with the event: for deliveries svixId, svixTimestamp, ' +
            'svixSignature, headerScheme, receivedAt, bodySha256, schemaVersion, contentType; ' +
            'for snapshots fetchedAt, apiPath, httpStatus and their causes.',
        },
        body: {
          ...nullable(text),
          description:
            'The stored bytes as UTF-8 (base64 if bodyEncoding); null when the body is larger ' +
            'than 64 KiB: fetch rawUrl for it. NDJSON export lines always carry it.',
        },
        bodyEncoding: { const: 'base64' },
        bodyBytes: { type: 'integer', minimum: 0, description: 'Size of the stored body.' },
        rawUrl: {
          type: 'string',
          description:
            'Path of the exact stored bytes (GET /streams/{streamName}/events/{revision}/raw).',
        },
        signature: nullable(ref('SignatureProof')),
        erased: {
          const: true,
          description:
            "Present when the event's data was erased (docs/retention.md): body is null; the " +
            "erasure record (type ledger.customer-erased) in the customer's stream says why.",
        },
      },
    },
    AuditTrailPage: {
      type: 'object',
      description: PAGE_DESCRIPTION,
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
      description: PAGE_DESCRIPTION.replace('nextCursor', 'nextAfter'),
      required: ['events', 'nextAfter', 'caughtUp'],
      properties: {
        events: { type: 'array', items: ref('AuditEvent') },
        nextAfter: nullable(text),
        caughtUp: { type: 'boolean' },
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
        tags: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'title', 'type'],
            properties: { id: nullable(text), title: nullable(text), type: nullable(text) },
          },
        },
        workflowName: nullable(text),
        workflowId: nullable(text),
        scenarioAlertCount: nullable({ type: 'number' }),
        createdAt: nullable(text),
        updatedAt: nullable(text),
        deleted: { type: 'boolean' },
        deletedAt: nullable(text),
        lastEventPosition: text,
        evidence: {
          type: 'object',
          description: 'The webhook whose payload is the current state, and the delete webhook.',
          required: ['current', 'deleted'],
          properties: { current: ref('Evidence'), deleted: nullable(ref('Evidence')) },
        },
      },
    },
    CustomerPage: {
      type: 'object',
      description: PAGE_DESCRIPTION,
      required: ['customers', 'nextCursor'],
      properties: {
        customers: { type: 'array', items: ref('CustomerSummary') },
        nextCursor: nullable(text),
      },
    },
    AlertPage: {
      type: 'object',
      description: PAGE_DESCRIPTION,
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
              source: { enum: ['details', 'send.scenario', 'send.verification.flow'] },
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
