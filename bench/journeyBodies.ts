/**
 * The synthetic log's bodies (bench/rebuildLog.ts): a customer's journey state and the ComPilot
 * webhook payloads and customer details drawn from it (customer, verification flow with
 * Scorechain + IPQS, scenario with an ID credential, alert). Separate from the steps that
 * choose which body comes next (journeySteps.ts): these are fixed shapes, long to read.
 */
import { alertStream } from '../src/events/streams.js';

export const T0 = Date.parse('2025-01-01T00:00:00.000Z');

export interface Journey {
  readonly index: number;
  readonly customerId: string;
  readonly wallet: string;
  step: number;
  readonly steps: number;
  time: number;
  alertId: string | undefined;
  lastWebhookId: string | undefined;
  status: string | null;
  riskScore: string | null;
  level: string;
}

export interface Produced {
  readonly stream: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
}

export function customerPayload(
  journey: Journey,
  at: string,
  reason: string | null,
): Record<string, unknown> {
  return {
    id: `wh_${journey.index}_${journey.step}`,
    cmsProjectId: 'cmsproj_bench',
    customerId: journey.customerId,
    externalCustomerId: `user_${journey.index}`,
    createdBy: 'system',
    updatedBy: 'system',
    type: 'Individual',
    onboardingLevel: journey.level,
    status: journey.status,
    riskScore: journey.riskScore,
    reason,
    createdAt: journey.step === 0 ? at : new Date(T0).toISOString(),
    updatedAt: journey.step === 0 ? null : at,
  };
}

export function detailsBody(journey: Journey, at: string): Record<string, unknown> {
  return {
    id: journey.customerId,
    externalCustomerId: `user_${journey.index}`,
    type: 'Individual',
    status: journey.status,
    riskScore: journey.riskScore,
    onboardingLevel: journey.level,
    createdAt: new Date(T0).toISOString(),
    updatedAt: at,
    customerPersonalInformation: { age: 34, nationality: 'FRA', residence: 'FRA' },
    customerClaims: [
      {
        name: `Customer ${journey.index}`,
        givenName: 'Customer',
        familyName: String(journey.index),
        nationality: 'FRA',
        countryOfResidence: 'FRA',
        birthdate: '1990-11-04',
      },
    ],
    customerEmails: [{ email: `customer${journey.index}@example.com` }],
    customerWallets: [{ wallet: journey.wallet, blockchainNamespace: 'eip155', verified: true }],
  };
}

export function verificationFlow(journey: Journey, stream: string): Produced[] {
  const payload = {
    executionId: `exec_v${journey.index}`,
    customerId: journey.customerId,
    externalCustomerId: `user_${journey.index}`,
    address: journey.wallet,
    result: [
      {
        type: 'integratedScorechain',
        data: {
          riskLevel: 'Low Risk',
          riskScore: 12,
          firstActive: 1672531200,
          lastActive: 1740960000,
          entities: [{ name: 'Kraken', entityType: 'Exchange' }],
          blockchainsActive: ['ETHEREUM'],
          countries: ['France'],
        },
      },
      {
        type: 'integratedIpqualityscore',
        data: {
          ipVerification: {
            success: true,
            request_id: 'r1',
            fraud_score: 8,
            country_code: 'FR',
            proxy: false,
            vpn: false,
          },
          emailVerification: {
            success: true,
            request_id: 'r2',
            valid: true,
            disposable: false,
            fraud_score: 0,
          },
        },
      },
    ],
  };
  return [
    {
      stream,
      type: 'send.verification.flow',
      body: { eventType: 'send.verification.flow', payload },
    },
  ];
}

export function scenario(journey: Journey, stream: string): Produced[] {
  const payload = {
    customerId: journey.customerId,
    externalCustomerId: `user_${journey.index}`,
    address: journey.wallet,
    result: 'valid',
    executionId: `exec_s${journey.index}`,
    scenarios: [
      {
        scenarioId: 'scenario_bench',
        result: [{ objectId: journey.wallet, result: { is_valid: true, reasons: [] } }],
      },
    ],
    data: [
      {
        id: `urn:uuid:${journey.customerId}`,
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'IDInformation'],
        issuanceDate: '2025-03-03T09:20:11.000Z',
        credentialSubject: {
          id: 'did:iden3:polygon:amoy:x6x5sor7zpyZX9yNpm8h1rPBDSN9idaEhDj1Qm8Q9',
          reviewAnswer: 'GREEN',
          documentType: 'PASSPORT',
          personalData: {
            firstName: 'Customer',
            lastName: String(journey.index),
            age: 34,
            citizenship: 'FRA',
            birthDate: 19901104,
          },
        },
        credentialStatus: {
          id: 'https://issuer.example/status/1',
          type: 'Iden3commRevocationStatusV1.0',
          revocationNonce: journey.index,
        },
        issuer: 'did:iden3:polygon:amoy:xCompilotIssuerExample',
        credentialSchema: {
          id: 'https://schemas.example/IDInformation.json',
          type: 'JsonSchema2023',
        },
      },
    ],
  };
  return [{ stream, type: 'send.scenario', body: { eventType: 'send.scenario', payload } }];
}

export function alert(journey: Journey, eventType: string, status: string, at: string): Produced {
  const alertId = journey.alertId!;
  return {
    stream: alertStream(alertId),
    type: eventType,
    body: {
      eventType,
      payload: {
        id: alertId,
        severity: 'High',
        status,
        customerId: journey.customerId,
        externalCustomerId: `user_${journey.index}`,
        scenarioAlertCount: 1,
        workflowName: 'KYC onboarding',
        workflowId: 'b1e4f6a8-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
        reason: 'Sanctions hit during AML screening',
        createdAt: at,
        updatedAt: eventType === 'alert.created' ? null : at,
        tags: [],
      },
    },
  };
}
