/**
 * JSON bodies the simulator serves and sends, built from the reference's field names and enums
 * (`compilot.md` §1.3-1.4 for the API, §2.3-2.7 for webhooks). Key order follows the
 * reference examples.
 */
import { randomUUID } from 'node:crypto';
import type {
  CustomerDetails,
  CustomerListItem,
  CustomerWallet,
  Customer,
} from '../compilot/comPilotTypes.js';
import { prefixedId, type SimAlert, type SimCustomer } from './state.js';

export function customerBody(customer: SimCustomer): Customer {
  return {
    id: customer.id,
    externalCustomerId: customer.externalCustomerId,
    type: customer.type,
    status: customer.status,
    riskScore: customer.riskScore,
    onboardingLevel: customer.onboardingLevel,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    customerClaims: [
      {
        name: `${customer.givenName} ${customer.familyName}`,
        givenName: customer.givenName,
        familyName: customer.familyName,
        nationality: customer.nationality,
        countryOfResidence: customer.residence,
        birthdate: customer.birthdate,
      },
    ],
    customerEmails: [{ email: customer.email }],
    customerWallets: customer.wallets.map((wallet) => ({
      wallet: wallet.address,
      blockchainNamespace: wallet.namespace,
      verified: wallet.verified,
    })),
  };
}

export function customerDetailsBody(customer: SimCustomer, now: Date): CustomerDetails {
  const { customerClaims, customerEmails, customerWallets, ...top } = customerBody(customer);
  return {
    ...top,
    customerPersonalInformation: {
      age: ageOn(customer.birthdate, now),
      nationality: customer.nationality,
      residence: customer.residence,
    },
    customerClaims,
    customerEmails,
    customerWallets,
  };
}

export function customerListItem(customer: SimCustomer, openAlerts: number): CustomerListItem {
  return {
    id: customer.id,
    onboarding_level: customer.onboardingLevel,
    status: customer.status,
    risk_score: customer.riskScore,
    type: customer.type,
    country_of_residence: customer.residence,
    wallets: customer.wallets.map((wallet) => wallet.address),
    open_alerts_count: openAlerts,
    date_onboarded: customer.onboardingLevel === 'Onboarded' ? customer.updatedAt : null,
  };
}

export function walletsBody(customer: SimCustomer): CustomerWallet[] {
  return customer.wallets.map((wallet) => ({
    id: wallet.id,
    address: wallet.address,
    namespace: wallet.namespace,
    verified: wallet.verified,
    createdAt: wallet.createdAt,
  }));
}

export type CustomerEventType = 'customer.created' | 'customer.updated' | 'customer.deleted';

export function customerWebhook(eventType: CustomerEventType, customer: SimCustomer): object {
  return {
    eventType,
    payload: {
      id: prefixedId('wh'),
      cmsProjectId: customer.cmsProjectId,
      customerId: customer.id,
      externalCustomerId: customer.externalCustomerId,
      createdBy: customer.createdBy,
      updatedBy: customer.updatedBy,
      type: customer.type,
      onboardingLevel: customer.onboardingLevel,
      status: customer.status,
      riskScore: customer.riskScore,
      reason: customer.reason,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
      deletedBy: customer.deletedBy,
      deletedAt: customer.deletedAt,
    },
  };
}

export type AlertEventType = 'alert.created' | 'alert.updated' | 'alert.deleted';

export function alertWebhook(eventType: AlertEventType, alert: SimAlert): object {
  return {
    eventType,
    payload: {
      id: alert.id,
      severity: alert.severity,
      status: alert.status,
      customerId: alert.customerId,
      externalCustomerId: alert.externalCustomerId,
      scenarioAlertCount: alert.scenarioAlertCount,
      workflowName: alert.workflowName,
      workflowId: alert.workflowId,
      reason: alert.reason,
      createdAt: alert.createdAt,
      updatedAt: alert.updatedAt,
      tags: alert.tags,
    },
  };
}

/** A Rules-Engine scenario execution over the customer's first wallet, with an ID VC. */
export function scenarioWebhook(customer: SimCustomer, valid: boolean, now: Date): object {
  const address = customer.wallets[0]?.address ?? null;
  const issued = now.toISOString();
  const expires = new Date(now.getTime() + 365 * 86_400_000).toISOString();
  const [year, month, day] = customer.birthdate.split('-');
  return {
    eventType: 'send.scenario',
    payload: {
      customerId: customer.id,
      externalCustomerId: customer.externalCustomerId,
      address,
      result: valid ? 'valid' : 'not-valid',
      executionId: prefixedId('exec'),
      scenarios: [
        {
          scenarioId: prefixedId('scenario'),
          result: [
            {
              objectId: address ?? customer.id,
              result: { is_valid: valid, reasons: valid ? [] : ['Country not allowed'] },
            },
          ],
        },
      ],
      data: [
        {
          id: `urn:uuid:${randomUUID()}`,
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential', 'IDInformation'],
          issuanceDate: issued,
          expirationDate: expires,
          credentialSubject: {
            id: `did:iden3:polygon:amoy:sim${customer.id.replace(/-/g, '').slice(0, 20)}`,
            journeyId: randomUUID(),
            reviewAnswer: 'GREEN',
            documentType: 'PASSPORT',
            entryDate: Number(issued.slice(0, 10).replace(/-/g, '')),
            entryTime: issued.slice(11, 19),
            personalData: {
              firstName: customer.givenName,
              lastName: customer.familyName,
              fullName: `${customer.givenName} ${customer.familyName}`,
              age: ageOn(customer.birthdate, now),
              citizenship: customer.nationality,
              country: customer.residence,
              countryOfBirth: customer.nationality,
              birthDate: Number(`${year}${month}${day}`),
            },
            isSandbox: true,
          },
          credentialStatus: {
            id: 'https://issuer.example/credentials/status/1',
            type: 'Iden3commRevocationStatusV1.0',
            revocationNonce: Math.floor(now.getTime() / 1000) % 1_000_000,
          },
          issuer: 'did:iden3:polygon:amoy:xCompilotSimulatorIssuer',
          credentialSchema: {
            id: 'https://schemas.example/IDInformation.json',
            type: 'JsonSchema2023',
          },
        },
      ],
    },
  };
}

/** A verification flow with a Scorechain wallet screening and an IPQualityScore check. */
export function verificationFlowWebhook(customer: SimCustomer, now: Date): object {
  const seconds = Math.floor(now.getTime() / 1000);
  return {
    eventType: 'send.verification.flow',
    payload: {
      executionId: prefixedId('exec'),
      customerId: customer.id,
      externalCustomerId: customer.externalCustomerId,
      address: customer.wallets[0]?.address ?? null,
      result: [
        {
          type: 'integratedScorechain',
          data: {
            riskLevel: 'Low Risk',
            riskScore: 12,
            firstActive: seconds - 400 * 86_400,
            lastActive: seconds - 86_400,
            lastScreened: seconds,
            entities: [{ name: 'Kraken', entityType: 'Exchange' }],
            blockchainsActive: ['ETHEREUM'],
            countries: ['France'],
            relatedCountries: ['Germany'],
            relatedEntities: [{ name: 'Uniswap', entityType: 'Dex' }],
          },
        },
        {
          type: 'integratedIpqualityscore',
          data: {
            ipVerification: {
              success: true,
              request_id: prefixedId('ipqs', 10).slice(5),
              fraud_score: 8,
              country_code: 'FR',
              city: 'Paris',
              ISP: 'Orange',
              proxy: false,
              vpn: false,
              tor: false,
              recent_abuse: false,
            },
            emailVerification: {
              success: true,
              request_id: prefixedId('ipqs', 10).slice(5),
              valid: true,
              disposable: false,
              fraud_score: 0,
            },
          },
        },
      ],
    },
  };
}

/** An event type ComPilot may send that this service does not know (reference §4). */
export function unknownTypeWebhook(customer: SimCustomer): object {
  return {
    eventType: 'individual.updated',
    payload: {
      id: prefixedId('wh'),
      workspaceId: customer.cmsProjectId,
      customerId: customer.id,
      externalCustomerId: customer.externalCustomerId,
      createdBy: 'system',
      updatedBy: 'system',
      status: customer.status,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
    },
  };
}

function ageOn(birthdate: string, on: Date): number {
  const born = new Date(`${birthdate}T00:00:00Z`);
  let age = on.getUTCFullYear() - born.getUTCFullYear();
  const beforeBirthday =
    on.getUTCMonth() < born.getUTCMonth() ||
    (on.getUTCMonth() === born.getUTCMonth() && on.getUTCDate() < born.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}
