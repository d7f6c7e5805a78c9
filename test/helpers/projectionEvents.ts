/**
 * Stored events for projection tests, shaped as ingress and the enrichment reactor store them:
 * webhooks with `{eventType, payload}` raw bytes and WebhookMetadata, details snapshots with the
 * API's body and DetailsMetadata. `recorded()` builds a RecordedEvent directly (pure projection
 * tests); `append*()` write through a real store.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { alertStream, customerStream } from '../../src/events/streams.js';
import {
  DETAILS_EVENT_TYPE,
  NOT_FOUND_EVENT_TYPE,
  type DetailsMetadata,
  type WebhookMetadata,
} from '../../src/events/types.js';
import { uuidv5 } from '../../src/lib/uuidv5.js';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/store/eventStore.js';

export type Body = Record<string, unknown>;

export const CUSTOMER_ID = '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11';

/** A webhook fixture body from test/fixtures/webhooks, with payload fields overridden. */
export function fixture(eventType: string, payload: Body = {}): Body {
  const path = new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url);
  const body = JSON.parse(readFileSync(path, 'utf8')) as { eventType: string; payload: Body };
  return { eventType: body.eventType, payload: { ...body.payload, ...payload } };
}

/** A details snapshot body (compilot.md §2.7) with fields overridden. */
export function detailsBody(fields: Body = {}): Body {
  return {
    id: CUSTOMER_ID,
    externalCustomerId: 'user_48213',
    type: 'Individual',
    status: 'Active',
    riskScore: 'Low',
    onboardingLevel: 'Onboarded',
    createdAt: '2025-03-03T09:14:02.118Z',
    updatedAt: '2025-03-03T09:21:40.512Z',
    customerPersonalInformation: { age: 34, nationality: 'FRA', residence: 'FRA' },
    customerClaims: [
      {
        name: 'Marie Dubois',
        givenName: 'Marie',
        familyName: 'Dubois',
        nationality: 'FRA',
        countryOfResidence: 'FRA',
        birthdate: '1990-11-04',
      },
    ],
    customerEmails: [{ email: 'marie.dubois@example.com' }],
    customerWallets: [
      {
        wallet: '0x9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3b',
        blockchainNamespace: 'eip155',
        verified: true,
      },
    ],
    ...fields,
  };
}

export function streamOf(body: Body): string {
  const payload = body.payload as Body;
  const type = String(body.eventType);
  return type.startsWith('alert.')
    ? alertStream(String(payload.id))
    : customerStream(String(payload.customerId));
}

export function webhookEvent(
  body: Body,
  svixId: string,
  receivedAt = '2025-03-03T09:30:00.000Z',
): NewEvent {
  const raw = Buffer.from(JSON.stringify(body), 'utf8');
  const metadata: WebhookMetadata = {
    svixId,
    svixTimestamp: String(Math.floor(Date.parse(receivedAt) / 1000)),
    svixSignature: 'v1,dGVzdA==',
    headerScheme: 'svix',
    receivedAt,
    bodySha256: createHash('sha256').update(raw).digest('hex'),
    schemaVersion: '1',
  };
  return { id: uuidv5(svixId), type: String(body.eventType), data: raw, metadata: { ...metadata } };
}

export function detailsEvent(
  body: Body,
  causedBy: readonly { id: string; position: string }[],
  fetchedAt = '2025-03-03T09:31:00.000Z',
  notFound = false,
): NewEvent {
  const metadata: DetailsMetadata = {
    fetchedAt,
    apiPath: `/customers/${typeof body.id === 'string' ? body.id : CUSTOMER_ID}/details`,
    httpStatus: notFound ? 404 : 200,
    causationId: causedBy[0]?.id ?? 'none',
    causationPosition: causedBy[0]?.position ?? '',
    causedBy,
  };
  return {
    id: uuidv5(`details/${causedBy[0]?.id ?? fetchedAt}/${JSON.stringify(body)}`),
    type: notFound ? NOT_FOUND_EVENT_TYPE : DETAILS_EVENT_TYPE,
    data: Buffer.from(JSON.stringify(body), 'utf8'),
    metadata: { ...metadata },
  };
}

let sequence = 0;

/** A RecordedEvent as a store would return it; positions count up unless given. */
export function recorded(
  event: NewEvent,
  streamName: string,
  options: { position?: number; recordedAt?: string } = {},
): RecordedEvent {
  const position = options.position ?? ++sequence;
  return {
    streamName,
    revision: BigInt(position),
    position: String(position).padStart(20, '0'),
    id: event.id,
    type: event.type,
    data: Buffer.from(event.data),
    metadata: event.metadata,
    recordedAt: new Date(options.recordedAt ?? '2025-03-03T09:30:00.000Z'),
  };
}

/** A webhook as a RecordedEvent in its proper stream (received, and svix-signed, at `receivedAt`). */
export function recordedWebhook(
  body: Body,
  svixId: string,
  position?: number,
  receivedAt?: string,
): RecordedEvent {
  return recorded(webhookEvent(body, svixId, receivedAt), streamOf(body), { position });
}

export function recordedDetails(
  body: Body,
  causedBy: readonly RecordedEvent[],
  position?: number,
  fetchedAt?: string,
): RecordedEvent {
  const causes = causedBy.map((event) => ({ id: event.id, position: event.position }));
  return recorded(
    detailsEvent(body, causes, fetchedAt),
    customerStream(typeof body.id === 'string' ? body.id : CUSTOMER_ID),
    {
      position,
    },
  );
}

export async function appendWebhook(store: EventStore, body: Body, svixId: string) {
  return store.appendToStream(streamOf(body), [webhookEvent(body, svixId)]);
}

/**
 * A varied slice of traffic for customer `n`: created, an update (delivered out of order
 * every third customer), a scenario, a details snapshot, and an alert every other customer.
 */
export async function appendJourney(store: EventStore, n: number): Promise<void> {
  const customerId = `cust-${n}`;
  const minute = (m: number) => new Date(Date.UTC(2025, 2, 3, 9, m % 60, n % 60)).toISOString();
  const created = fixture('customer.created', { customerId, createdAt: minute(0) });
  const updated = fixture('customer.updated', {
    customerId,
    createdAt: minute(0),
    updatedAt: minute(10 + (n % 7)),
    riskScore: ['Low', 'Medium', 'High'][n % 3],
  });
  const [first, second] = n % 3 === 0 ? [updated, created] : [created, updated];
  await appendWebhook(store, first, `j${n}-1`);
  const cause = await appendWebhook(store, second, `j${n}-2`);
  await appendWebhook(
    store,
    fixture('send.scenario', { customerId, executionId: `exec-${n}` }),
    `j${n}-3`,
  );
  await store.appendToStream(customerStream(customerId), [
    detailsEvent(
      detailsBody({
        id: customerId,
        updatedAt: minute(10 + (n % 7)),
        riskScore: ['Low', 'Medium', 'High'][n % 3],
      }),
      [{ id: webhookEvent(second, `j${n}-2`).id, position: cause.position }],
    ),
  ]);
  if (n % 2 === 0) {
    await appendWebhook(
      store,
      fixture('alert.created', { id: `alrt-${n}`, customerId }),
      `j${n}-4`,
    );
  }
}
