/**
 * The OpenAPI 3.1 description of the query API, served at `GET /openapi.json`. A test checks that
 * every route of the router is described here and every path here is routed, and validates real
 * answers against these schemas, so the document cannot drift from the code.
 */
import { WEBHOOK_EVENT_TYPES } from '../events/types.js';
import { componentSchemas } from './openapiSchemas.js';
import {
  ALERT_STATUSES,
  CUSTOMER_STATUSES,
  CUSTOMER_STREAM_EVENT_TYPES,
  RISK_SCORES,
  STORED_EVENT_TYPES,
} from '../readmodel/vocabulary.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
/** asOf / knownAt: a date-time, or a date meaning the end of that day in UTC. */
const pointInTime = {
  type: 'string',
  anyOf: [{ format: 'date-time' }, { format: 'date' }],
};

function queryParam(name: string, description: string, schema: Json = text): Json {
  return { name, in: 'query', required: false, description, schema };
}

function pathParam(name: string, description: string): Json {
  return { name, in: 'path', required: true, description, schema: { ...text, maxLength: 256 } };
}

const limit = (fallback: number, max: number): Json =>
  queryParam('limit', `Page size (default ${fallback}).`, {
    type: 'integer',
    minimum: 1,
    maximum: max,
  });
const cursor = queryParam('cursor', 'The `nextCursor` of the previous page, unchanged.');

function answer(description: string, schema: Json, extra: Json = {}): Json {
  return { description, content: { 'application/json': { schema } }, ...extra };
}

const errors = (...statuses: number[]): Json =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { $ref: `#/components/responses/${ERROR_NAMES[status]}` },
    ]),
  );
const ERROR_NAMES: Record<number, string> = {
  400: 'BadParameter',
  401: 'Unauthorized',
  404: 'NotFound',
  406: 'NotAcceptable',
  503: 'Unavailable',
};

function get(summary: string, parameters: Json[], ok: Json, errorStatuses: number[]): Json {
  return {
    get: {
      summary,
      parameters,
      responses: { '200': ok, ...errors(...errorStatuses, 401, 503) },
    },
  };
}

const customerId = pathParam('customerId', 'ComPilot customer id.');

const paths: Json = {
  '/customers': get(
    'List customers from the read model, optionally by status and risk score.',
    [
      queryParam('status', 'Customer status.', { enum: [...CUSTOMER_STATUSES] }),
      queryParam('riskScore', 'Risk score.', { enum: [...RISK_SCORES] }),
      limit(50, 500),
      cursor,
    ],
    answer('A page of customers.', ref('CustomerPage')),
    [400],
  ),
  '/customers/{customerId}': get(
    'The customer: current state (read model), or the state at a point in time folded from the ' +
      'customer stream. One shape either way: the point-in-time fields are null for the current state.',
    [
      customerId,
      queryParam(
        'asOf',
        "State in effect at this time by ComPilot's own timestamps. A date alone " +
          '(2026-12-04) means the end of that day in UTC (2026-12-04T23:59:59.999Z).',
        pointInTime,
      ),
      queryParam(
        'knownAt',
        'State as this service knew it at this time (store commit time). A date alone means ' +
          'the end of that day in UTC.',
        pointInTime,
      ),
    ],
    answer('The customer.', ref('Customer')),
    [400, 404],
  ),
  '/customers/{customerId}/kyc-history': get(
    'Every change of status, onboarding level and risk score, and every scenario and verification flow.',
    [customerId, limit(1000, 1000), cursor],
    answer('The KYC history in ComPilot time order, a page at a time.', ref('KycHistory')),
    [400, 404],
  ),
  '/customers/{customerId}/retention': get(
    'Where the customer stands in its retention period: end of relationship, erasable from, hold, erasure.',
    [customerId],
    answer(
      'The retention standing now, as `compilot-ledger erase` would decide.',
      ref('CustomerRetention'),
    ),
    [400, 404],
  ),
  '/customers/{customerId}/events': get(
    'The audit trail: every stored event of the customer stream with its raw body.',
    [
      customerId,
      queryParam('type', 'Comma-separated event types.', {
        type: 'string',
        description: `Any of: ${CUSTOMER_STREAM_EVENT_TYPES.join(', ')}`,
      }),
      queryParam('from', 'Received at or after this time.', time),
      queryParam('to', 'Received before this time.', time),
      queryParam('verify', 'Re-verify each webhook signature over the stored bytes.', {
        enum: ['true', 'false'],
      }),
      limit(100, 1000),
      cursor,
    ],
    answer('A page of the audit trail, oldest first.', ref('AuditTrailPage')),
    [400, 404],
  ),
  '/alerts': get(
    'List alerts, optionally by customer and status.',
    [
      queryParam('customerId', 'Only alerts of this customer.'),
      queryParam('status', 'Alert status.', { enum: [...ALERT_STATUSES] }),
      limit(50, 500),
      cursor,
    ],
    answer('A page of alerts.', ref('AlertPage')),
    [400],
  ),
  '/alerts/{alertId}': get(
    'One alert.',
    [pathParam('alertId', 'ComPilot alert id (alrt_...).')],
    answer('The alert.', ref('Alert')),
    [400, 404],
  ),
  '/wallets/{address}/customer': get(
    'The customer(s) owning a wallet address (EVM addresses case-insensitively).',
    [pathParam('address', 'Wallet address.')],
    answer('The owners.', ref('WalletOwners')),
    [400, 404],
  ),
  '/events': get(
    'The global audit feed in commit order; NDJSON export with Accept: application/x-ndjson ' +
      '(every line carries its body, however large).',
    [
      queryParam('after', 'Exclusive start position (a stored position or nextAfter).'),
      queryParam('type', 'Comma-separated event types.', {
        type: 'string',
        description: `Any of: ${STORED_EVENT_TYPES.join(', ')}`,
      }),
      queryParam('limit', 'Page size (JSON, default 100, at most 1000); cap on lines (NDJSON).', {
        type: 'integer',
        minimum: 1,
      }),
    ],
    {
      description: 'A page (JSON) or the export up to the head at request time (NDJSON).',
      content: {
        'application/json': { schema: ref('FeedPage') },
        'application/x-ndjson': { schema: ref('AuditEvent') },
      },
    },
    [400, 406],
  ),
  '/retention/due': get(
    'Who is due for erasure, and who a retention hold keeps past the period.',
    [limit(1000, 10_000)],
    answer(
      'The customers whose retention period has passed, from the retention read model; 503 ' +
        'with Retry-After while that projection is being built.',
      ref('RetentionDue'),
    ),
    [400],
  ),
  '/reconciliations': get(
    'Reconciliation runs, newest first: when the ledger was compared with ComPilot and what was found.',
    [limit(20, 100), cursor],
    answer('A page of runs.', ref('ReconciliationPage')),
    [400],
  ),
  '/streams/{streamName}/events/{revision}/raw': {
    get: {
      summary:
        'The exact stored bytes of one event, with the content type it was delivered with ' +
        '(application/json for snapshots this service wrote). Lists leave bodies over 64 KiB ' +
        "out and name this path as each event's rawUrl.",
      parameters: [
        {
          ...pathParam('streamName', 'Stream name, e.g. customer-<id>, alert-<id>, quarantine.'),
          schema: { ...text, maxLength: 512 },
        },
        {
          name: 'revision',
          in: 'path',
          required: true,
          description: 'The event revision in its stream (0-based).',
          schema: { type: 'string', pattern: '^[0-9]{1,19}$' },
        },
      ],
      responses: {
        '200': {
          description:
            'The stored body byte for byte. X-Event-Id and X-Event-Position name the event.',
          headers: {
            'X-Event-Id': { schema: text },
            'X-Event-Position': { schema: text },
          },
          content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errors(400, 404, 401, 503),
      },
    },
  },
  '/openapi.json': {
    get: {
      summary: 'This document.',
      security: [],
      responses: { '200': answer('The OpenAPI document.', { type: 'object' }) },
    },
  },
};

const errorAnswer = (description: string): Json => answer(description, ref('Error'));

/** The document; a fresh object per call, so callers may not mutate a shared one. */
export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'compilot-ledger audit queries',
      version: '1.0.0',
      description:
        'Audit trail queries over the stored ComPilot webhooks: current and point-in-time state, ' +
        `KYC history, alerts, wallets, signature proofs. Webhook event types: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
    },
    security: [{ bearerAuth: [] }],
    paths: structuredClone(paths),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'One of the tokens in QUERY_API_TOKENS.',
        },
      },
      responses: {
        BadParameter: errorAnswer('A parameter is invalid; the message names it.'),
        Unauthorized: {
          ...errorAnswer('No bearer token, or not a configured one.'),
          headers: { 'WWW-Authenticate': { schema: text } },
        },
        NotFound: errorAnswer('Unknown id.'),
        NotAcceptable: errorAnswer('The Accept header allows neither JSON nor NDJSON.'),
        Unavailable: errorAnswer(
          'The query API is disabled (no token configured) or the store is unavailable.',
        ),
      },
      schemas: componentSchemas(),
    },
  };
}
