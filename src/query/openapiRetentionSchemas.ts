/**
 * The component schemas of the retention answers (`/customers/{id}/retention`, `/retention/due`):
 * part of the OpenAPI document (openapi.ts, openapiSchemas.ts). Times and stages only.
 */
type Json = Record<string, unknown>;

const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const nullableText = nullable(text);
const endSource = { enum: ['customer.deleted', 'offboarded'] };

function object(required: string[], properties: Json, description?: string): Json {
  return { type: 'object', ...(description && { description }), required, properties };
}

const dueCustomer: Json = {
  customerId: text,
  relationshipEnd: time,
  source: endSource,
  dueSince: { ...time, description: 'relationshipEnd + retentionDays.' },
};

export function retentionSchemas(): Json {
  return {
    CustomerRetention: object(
      [
        'customerId',
        'at',
        'retentionDays',
        'stage',
        'relationshipEnd',
        'erasableFrom',
        'deletedAt',
        'restoredAt',
        'offboardedAt',
        'hold',
        'erasedAt',
        'erasureId',
      ],
      {
        customerId: text,
        at: { ...time, description: 'The time the standing is computed for (now).' },
        retentionDays: { type: 'integer', description: 'RETENTION_DAYS.' },
        stage: {
          enum: ['erased', 'held', 'active', 'restored', 'retained', 'due'],
          description:
            'erased: the erasure record is stored; held: a retention hold is in effect; ' +
            'active: no end of relationship is recorded; restored: ComPilot reported the ' +
            'customer again, not deleted, after its deletion; retained: the retention period ' +
            'is running; due: it has passed, and `erase` needs no override.',
        },
        relationshipEnd: nullable(
          object(['at', 'source'], {
            at: time,
            source: endSource,
          }),
        ),
        erasableFrom: {
          ...nullable(time),
          description: 'relationshipEnd.at + retentionDays.',
        },
        deletedAt: nullable(time),
        restoredAt: {
          ...nullable(time),
          description:
            'When ComPilot reported the customer again, not deleted, after its newest deletion.',
        },
        offboardedAt: nullable(time),
        hold: nullable(
          object(['until', 'inEffect'], {
            until: { ...nullable(time), description: 'Null: until released.' },
            inEffect: { type: 'boolean' },
          }),
        ),
        erasedAt: nullable(time),
        erasureId: { ...nullableText, description: 'Event id of the erasure record.' },
      },
      'Where the customer stands in its retention period, folded from its stream as `erase` ' +
        'decides (docs/retention.md). Times only: no personal data.',
    ),
    RetentionDue: object(
      ['at', 'retentionDays', 'due', 'dueCount', 'held', 'heldCount'],
      {
        at: time,
        retentionDays: { type: 'integer' },
        due: {
          type: 'array',
          description: 'Erasable now, longest overdue first (at most `limit`).',
          items: object(['customerId', 'relationshipEnd', 'source', 'dueSince'], dueCustomer),
        },
        dueCount: { type: 'integer', description: 'How many are due in all.' },
        held: {
          type: 'array',
          description: 'Past their period, kept by a retention hold (at most `limit`).',
          items: object(['customerId', 'relationshipEnd', 'source', 'dueSince', 'heldUntil'], {
            ...dueCustomer,
            heldUntil: { ...nullable(time), description: 'Null: until released.' },
          }),
        },
        heldCount: { type: 'integer', description: 'How many are held in all.' },
      },
      'Customers not erased whose relationship ended at least retentionDays ago, from the ' +
        '`retention` read model (as `compilot-ledger retention due` lists them).',
    ),
  };
}
