/**
 * ComPilot API vocabulary: enums and response shapes (see the reference note
 * `compilot.md` §1.4 and §3). Field names marked INFERRED there are typed as optional so a real
 * response without them still fits.
 */

export const CUSTOMER_STATUSES = [
  'Active',
  'Rejected',
  'Dormant',
  'To be reviewed',
  'Failed',
  'Escalated',
  'Terminated',
  'No status',
] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const ONBOARDING_LEVELS = [
  'Started',
  'Sign-up',
  'AML screening',
  'KYC',
  'Questionaire',
  'Onboarded',
  'Onboarding',
  'KYB',
] as const;
export type OnboardingLevel = (typeof ONBOARDING_LEVELS)[number];

export const RISK_SCORES = ['Low', 'Medium', 'High', 'No risk'] as const;
export type RiskScore = (typeof RISK_SCORES)[number];

export const CUSTOMER_TYPES = ['Individual', 'Company'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

export const ALERT_STATUSES = [
  'Open',
  'Under Investigation',
  'Pending',
  'Closed',
  'Escalated',
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_SEVERITIES = ['Low', 'Medium', 'High'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface CustomerClaim {
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly nationality?: string;
  readonly countryOfResidence?: string;
  readonly birthdate?: string;
}

export interface CustomerWalletRef {
  readonly wallet: string;
  readonly blockchainNamespace?: string;
  readonly verified?: boolean;
}

/** `GET /customers/{id}` and (a superset, INFERRED) `GET /customers/{id}/details`. */
export interface Customer {
  readonly id: string;
  readonly status?: CustomerStatus | null;
  readonly riskScore?: RiskScore | null;
  readonly onboardingLevel?: OnboardingLevel | null;
  readonly createdAt?: string;
  readonly updatedAt?: string | null;
  readonly externalCustomerId?: string | null;
  readonly type?: CustomerType | null;
  readonly customerClaims?: readonly CustomerClaim[];
  readonly customerEmails?: readonly { readonly email: string }[];
  readonly customerWallets?: readonly CustomerWalletRef[];
}

export interface CustomerDetails extends Customer {
  readonly customerPersonalInformation?: {
    readonly age?: number;
    readonly nationality?: string;
    readonly residence?: string;
  };
}

/** An item of `GET /customers`: note the snake_case keys (CONFIRMED for `onboarding_level`). */
export interface CustomerListItem {
  readonly id: string;
  readonly onboarding_level?: OnboardingLevel | null;
  readonly status?: CustomerStatus | null;
  readonly risk_score?: RiskScore | null;
  readonly type?: CustomerType | null;
  readonly country_of_residence?: string | null;
  readonly wallets?: readonly string[];
  readonly open_alerts_count?: number;
  readonly date_onboarded?: string | null;
}

export interface CustomerPage {
  readonly data: readonly CustomerListItem[];
  readonly totalCount: number;
}

/** An element of `GET /customers/{id}/wallets` (`address` CONFIRMED, the rest INFERRED). */
export interface CustomerWallet {
  readonly address: string;
  readonly id?: string;
  readonly namespace?: string;
  readonly verified?: boolean;
  readonly createdAt?: string;
}
