/**
 * The simulator's world: customers and alerts held in memory and shared by the API server and
 * the webhook journeys. A journey changes the state first and then sends the webhook that
 * describes the change, as ComPilot does, so an API answer is never older than a webhook
 * already sent (a customer a webhook calls Active is Active in `/details`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  AlertSeverity,
  AlertStatus,
  CustomerStatus,
  CustomerType,
  OnboardingLevel,
  RiskScore,
} from '../compilot/comPilotTypes.js';

export interface SimWallet {
  readonly id: string;
  readonly address: string;
  readonly namespace: string;
  readonly verified: boolean;
  readonly createdAt: string;
}

export interface SimCustomer {
  readonly id: string;
  readonly externalCustomerId: string;
  readonly cmsProjectId: string;
  readonly type: CustomerType;
  readonly status: CustomerStatus | null;
  readonly riskScore: RiskScore | null;
  readonly onboardingLevel: OnboardingLevel;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly createdBy: string;
  readonly updatedBy: string;
  readonly deletedAt: string | null;
  readonly deletedBy: string | null;
  readonly givenName: string;
  readonly familyName: string;
  /** ISO 3166-1 alpha-3. */
  readonly nationality: string;
  readonly residence: string;
  /** yyyy-mm-dd */
  readonly birthdate: string;
  readonly email: string;
  readonly wallets: readonly SimWallet[];
}

export interface SimAlertTag {
  readonly id: string;
  readonly title: string;
  readonly type: string;
  readonly createdAt: string;
  readonly updatedAt: string | null;
}

export interface SimAlert {
  readonly id: string;
  readonly customerId: string;
  readonly externalCustomerId: string | null;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly scenarioAlertCount: number;
  readonly workflowName: string;
  readonly workflowId: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly tags: readonly SimAlertTag[];
  readonly deleted: boolean;
}

export type CustomerPatch = Partial<
  Pick<SimCustomer, 'status' | 'riskScore' | 'onboardingLevel' | 'reason' | 'type'>
>;
export type AlertPatch = Partial<Pick<SimAlert, 'status' | 'severity' | 'reason' | 'tags'>>;

export interface SimulatorState {
  readonly projectId: string;
  /** Creates a customer who has just started onboarding (no status yet). */
  addCustomer(overrides?: Partial<SimCustomer>): SimCustomer;
  updateCustomer(id: string, patch: CustomerPatch, by?: string): SimCustomer;
  /** Marks the customer deleted; the API then answers 404 for it. */
  deleteCustomer(id: string, by?: string): SimCustomer;
  /** A live (not deleted) customer. */
  customer(id: string): SimCustomer | undefined;
  /** Live customers in creation order. */
  customers(): SimCustomer[];
  addAlert(customerId: string, fields: Pick<SimAlert, 'severity' | 'reason'>): SimAlert;
  updateAlert(id: string, patch: AlertPatch): SimAlert;
  deleteAlert(id: string): SimAlert;
  alert(id: string): SimAlert | undefined;
  /** Alerts of a customer that are not Closed and not deleted. */
  openAlertCount(customerId: string): number;
}

export interface SimulatorStateOptions {
  readonly now?: () => Date;
  /** In [0, 1); picks names and countries. @defaultValue Math.random */
  readonly random?: () => number;
  readonly projectId?: string;
}

const GIVEN_NAMES = ['Marie', 'Lukas', 'Sofia', 'João', 'Emma', 'Noah', 'Chiara', 'Daan', 'Amira'];
const FAMILY_NAMES = ['Dubois', 'Müller', 'García', 'Rossi', 'Silva', 'Jansen', 'Smith', 'Peeters'];
const COUNTRIES = ['FRA', 'DEU', 'ESP', 'ITA', 'PRT', 'NLD', 'BEL', 'USA', 'GBR', 'CHE'];
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `<prefix>_<12 chars>`, ComPilot's internal id format (reference §3.6). */
export function prefixedId(prefix: string, length = 12): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

export function createSimulatorState(options: SimulatorStateOptions = {}): SimulatorState {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const projectId = options.projectId ?? 'cmsproj_sim01';
  const customers = new Map<string, SimCustomer>();
  const alerts = new Map<string, SimAlert>();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const stamp = (): string => now().toISOString();

  function mustCustomer(id: string): SimCustomer {
    const customer = customers.get(id);
    if (!customer || customer.deletedAt !== null) throw new Error(`no live customer ${id}`);
    return customer;
  }

  function mustAlert(id: string): SimAlert {
    const alert = alerts.get(id);
    if (!alert || alert.deleted) throw new Error(`no live alert ${id}`);
    return alert;
  }

  return {
    projectId,

    addCustomer(overrides = {}) {
      const createdAt = stamp();
      const givenName = pick(GIVEN_NAMES);
      const familyName = pick(FAMILY_NAMES);
      const country = pick(COUNTRIES);
      const year = 1960 + Math.floor(random() * 45);
      const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
      const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
      const customer: SimCustomer = {
        id: randomUUID(),
        externalCustomerId: `user_${Math.floor(random() * 1e6)}`,
        cmsProjectId: projectId,
        type: 'Individual',
        status: null,
        riskScore: null,
        onboardingLevel: 'Started',
        reason: null,
        createdAt,
        updatedAt: null,
        createdBy: 'system',
        updatedBy: 'system',
        deletedAt: null,
        deletedBy: null,
        givenName,
        familyName,
        nationality: country,
        residence: country,
        birthdate: `${year}-${month}-${day}`,
        email: `${givenName}.${familyName}@example.com`
          .normalize('NFD')
          .replace(/[^\x20-\x7e]/g, '')
          .toLowerCase(),
        wallets: [
          {
            id: prefixedId('wallet'),
            address: `0x${randomBytes(20).toString('hex')}`,
            namespace: 'eip155',
            verified: true,
            createdAt,
          },
        ],
        ...overrides,
      };
      customers.set(customer.id, customer);
      return customer;
    },

    updateCustomer(id, patch, by = 'system') {
      const updated = { ...mustCustomer(id), ...patch, updatedAt: stamp(), updatedBy: by };
      customers.set(id, updated);
      return updated;
    },

    deleteCustomer(id, by = 'system') {
      const at = stamp();
      const deleted = {
        ...mustCustomer(id),
        updatedAt: at,
        updatedBy: by,
        deletedAt: at,
        deletedBy: by,
      };
      customers.set(id, deleted);
      return deleted;
    },

    customer(id) {
      const customer = customers.get(id);
      return customer && customer.deletedAt === null ? customer : undefined;
    },

    customers() {
      return [...customers.values()].filter((customer) => customer.deletedAt === null);
    },

    addAlert(customerId, fields) {
      const customer = mustCustomer(customerId);
      const alert: SimAlert = {
        id: prefixedId('alrt'),
        customerId,
        externalCustomerId: customer.externalCustomerId,
        severity: fields.severity,
        status: 'Open',
        scenarioAlertCount: 1,
        workflowName: 'KYC onboarding',
        workflowId: 'b1e4f6a8-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
        reason: fields.reason,
        createdAt: stamp(),
        updatedAt: null,
        tags: [],
        deleted: false,
      };
      alerts.set(alert.id, alert);
      return alert;
    },

    updateAlert(id, patch) {
      const updated = { ...mustAlert(id), ...patch, updatedAt: stamp() };
      alerts.set(id, updated);
      return updated;
    },

    deleteAlert(id) {
      const deleted = { ...mustAlert(id), updatedAt: stamp(), deleted: true };
      alerts.set(id, deleted);
      return deleted;
    },

    alert(id) {
      const alert = alerts.get(id);
      return alert && !alert.deleted ? alert : undefined;
    },

    openAlertCount(customerId) {
      let count = 0;
      for (const alert of alerts.values()) {
        if (alert.customerId === customerId && !alert.deleted && alert.status !== 'Closed') {
          count += 1;
        }
      }
      return count;
    },
  };
}
