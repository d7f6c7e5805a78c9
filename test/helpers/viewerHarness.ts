/**
 * The composed service (real HTTP, real SQLite files) seeded for the audit viewer: a journey
 * delivered out of order with real Svix signatures, details snapshots appended through the
 * store port as the enrichment reactor writes them, an alert, a tampered delivery, and a
 * customer whose ComPilot strings are HTML.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfig } from '../../src/config.js';
import { customerStream } from '../../src/events/streams.js';
import { DETAILS_EVENT_TYPE } from '../../src/events/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { send } from './httpServer.js';
import { generateSecret, signDelivery } from './signWebhook.js';
import { ENCRYPTION_ENV } from './encryptionKey.js';

export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';
export const HOSTILE = '<img src=x onerror=alert(1)>';

export const JOURNEY = {
  customerId: '7d1f0b6e-3c2a-4f9e-8b1d-5a6c7e8f9012',
  externalCustomerId: 'ext-48213',
  email: 'Ada.Lovelace@example.com',
  wallet: '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01',
  alertId: 'alrt_Viewer0001',
  /** ComPilot times: the review, then the activation. */
  reviewedAt: '2025-03-03T09:00:00.000Z',
  activatedAt: '2025-03-05T10:00:00.000Z',
  /** The second snapshot: the residence changed. */
  movedAt: '2025-03-06T12:00:00.000Z',
  /** The delivery altered after receipt (its reason was rewritten). */
  tamperedAt: '2025-03-07T08:00:00.000Z',
} as const;

export const HOSTILE_CUSTOMER_ID = '0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b';

export interface Viewer {
  readonly service: RunningService;
  readonly secret: string;
  readonly dir: string;
  readonly verifyReportPath: string;
  /** Signs and posts a webhook; returns the stored body. */
  deliver(body: object): Promise<string>;
  /** Appends a details snapshot as the enrichment reactor does. */
  appendDetails(customerId: string, body: object, fetchedAt: string): Promise<void>;
  /** Waits until every projection has applied everything stored so far. */
  settle(): Promise<void>;
}

export async function startViewer(t: Test, env: Record<string, string> = {}): Promise<Viewer> {
  const dir = t.testdir({});
  const secret = generateSecret();
  const verifyReportPath = join(dir, 'verify-report.json');
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      COMPILOT_WEBHOOK_SECRET: secret,
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
      QUERY_API_TOKENS: VIEWER_TOKEN,
      VERIFY_REPORT: verifyReportPath,
      ...env,
    },
    { requireWebhookSecret: true },
  );
  const service = await startService(config, createLogger('silent'));
  t.teardown(() => service.close());
  return {
    service,
    secret,
    dir,
    verifyReportPath,
    async deliver(body) {
      const text = JSON.stringify(body);
      const delivery = signDelivery({ secret, body: text });
      const answer = await send(service.port, '/webhooks/compilot', {
        body: delivery.body,
        headers: delivery.headers,
      });
      if (answer.status !== 200) throw new Error(`delivery refused: ${answer.status}`);
      return text;
    },
    async appendDetails(customerId, body, fetchedAt) {
      const stream = customerStream(customerId);
      const [cause] = await service.store.readStream(stream, {
        direction: 'backwards',
        maxCount: 1,
      });
      await service.store.appendToStream(stream, [
        {
          id: randomUUID(),
          type: DETAILS_EVENT_TYPE,
          data: Buffer.from(JSON.stringify(body), 'utf8'),
          metadata: {
            fetchedAt,
            apiPath: `/customers/${customerId}/details`,
            httpStatus: 200,
            causationId: cause?.id ?? randomUUID(),
            causationPosition: cause?.position ?? '0',
            causedBy: [],
          },
        },
      ]);
    },
    async settle() {
      const head = await service.store.headPosition();
      await service.projections.waitFor((status) =>
        status.projections.every(
          (p) =>
            p.caughtUp && p.checkpoint !== null && (head === undefined || p.checkpoint >= head),
        ),
      );
    },
  };
}

function customerWebhook(fields: Record<string, unknown>): object {
  return {
    eventType: 'customer.updated',
    payload: {
      id: `wh_${randomUUID().slice(0, 12)}`,
      cmsProjectId: 'cmsproj_k2P8xQ',
      createdBy: 'system',
      updatedBy: 'system',
      type: 'Individual',
      createdAt: JOURNEY.reviewedAt,
      ...fields,
    },
  };
}

function details(customerId: string, fields: Record<string, unknown>): object {
  return {
    id: customerId,
    type: 'Individual',
    createdAt: JOURNEY.reviewedAt,
    customerClaims: [{ name: 'Ada Lovelace', nationality: 'GB', countryOfResidence: 'GB' }],
    customerEmails: [{ email: JOURNEY.email }],
    customerWallets: [{ wallet: JOURNEY.wallet, blockchainNamespace: 'eip155', verified: true }],
    ...fields,
  };
}

/**
 * The out-of-order journey: the activation is delivered first, the earlier review after it (so
 * the review is late); two snapshots (residence changes between them); an open alert; and one
 * stored delivery whose body was altered after receipt (its signature no longer verifies).
 */
export async function seedJourney(viewer: Viewer): Promise<void> {
  const { customerId } = JOURNEY;
  const base = { customerId, externalCustomerId: JOURNEY.externalCustomerId };
  await viewer.deliver(
    customerWebhook({
      ...base,
      status: 'Active',
      riskScore: 'Low',
      onboardingLevel: 'Onboarded',
      reason: 'Rules engine verification passed',
      updatedAt: JOURNEY.activatedAt,
    }),
  );
  await viewer.deliver(
    customerWebhook({
      ...base,
      status: 'To be reviewed',
      riskScore: 'Medium',
      onboardingLevel: 'Onboarding',
      reason: 'Manual review requested',
      updatedAt: JOURNEY.reviewedAt,
    }),
  );
  await viewer.appendDetails(
    customerId,
    details(customerId, { status: 'Active', updatedAt: JOURNEY.activatedAt }),
    new Date().toISOString(),
  );
  await viewer.appendDetails(
    customerId,
    details(customerId, {
      status: 'Active',
      updatedAt: JOURNEY.movedAt,
      customerClaims: [{ name: 'Ada Lovelace', nationality: 'GB', countryOfResidence: 'FR' }],
    }),
    new Date().toISOString(),
  );
  await viewer.deliver({
    eventType: 'alert.created',
    payload: {
      id: JOURNEY.alertId,
      severity: 'High',
      status: 'Open',
      customerId,
      externalCustomerId: JOURNEY.externalCustomerId,
      scenarioAlertCount: 1,
      workflowName: 'KYC onboarding',
      workflowId: 'b1e4f6a8-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
      reason: 'Sanctions hit during AML screening',
      createdAt: '2025-03-04T08:00:00.000Z',
      updatedAt: null,
      tags: [],
    },
  });
  await appendTampered(viewer, customerId);
}

/** A delivery as ingress stores it, but whose stored body is not the one that was signed. */
async function appendTampered(viewer: Viewer, customerId: string): Promise<void> {
  const signed = JSON.stringify(
    customerWebhook({
      customerId,
      status: 'Active',
      reason: 'Reviewed by J. Doe',
      updatedAt: JOURNEY.tamperedAt,
    }),
  );
  const delivery = signDelivery({ secret: viewer.secret, body: signed });
  const altered = signed.replace('J. Doe', 'nobody');
  await viewer.service.store.appendToStream(customerStream(customerId), [
    {
      id: randomUUID(),
      type: 'customer.updated',
      data: Buffer.from(altered, 'utf8'),
      metadata: {
        svixId: delivery.msgId,
        svixTimestamp: delivery.timestamp,
        svixSignature: delivery.signature,
        headerScheme: 'svix',
        receivedAt: new Date().toISOString(),
        bodySha256: createHash('sha256').update(signed).digest('hex'),
        schemaVersion: '1',
      },
    },
  ]);
}

/** A customer whose name (snapshot) and reason (webhook) are HTML. */
export async function seedHostileCustomer(viewer: Viewer): Promise<void> {
  const customerId = HOSTILE_CUSTOMER_ID;
  await viewer.deliver(
    customerWebhook({
      customerId,
      externalCustomerId: HOSTILE,
      status: 'Active',
      riskScore: 'High',
      reason: HOSTILE,
      updatedAt: JOURNEY.activatedAt,
    }),
  );
  await viewer.appendDetails(
    customerId,
    details(customerId, {
      updatedAt: JOURNEY.activatedAt,
      customerClaims: [{ name: HOSTILE }],
      customerEmails: [],
      customerWallets: [],
    }),
    new Date().toISOString(),
  );
}
