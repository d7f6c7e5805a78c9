/**
 * Scripted customer journeys. Each step changes the simulator state and then produces the
 * webhook describing the change, so the API and the webhooks agree. Delivery options cover what
 * Svix does to a receiver: redelivery of the same `svix-id`, out-of-order delivery, and event
 * types the receiver does not know.
 */
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import {
  alertWebhook,
  customerWebhook,
  scenarioWebhook,
  unknownTypeWebhook,
  verificationFlowWebhook,
} from './bodies.js';
import {
  createWebhookSender,
  webhookMessage,
  type DeliveryResult,
  type WebhookMessage,
  type WebhookSender,
} from './sender.js';
import type { SimCustomer, SimulatorState } from './state.js';

export const JOURNEY_NAMES = [
  'onboarding',
  'kyc-failure',
  'rejection',
  'alert',
  'scenario',
  'verification-flow',
  'deletion',
] as const;
export type JourneyName = (typeof JOURNEY_NAMES)[number];

export function isJourneyName(value: string): value is JourneyName {
  return (JOURNEY_NAMES as readonly string[]).includes(value);
}

export interface DeliveryOptions {
  /** Deliver every message a second time, same `svix-id`, after the journey. */
  readonly redeliver?: boolean;
  /** Apply all of a journey's changes first, then deliver its messages in reverse order. */
  readonly outOfOrder?: boolean;
  /** Add a message of a type ComPilot may send but this service does not know. */
  readonly unknownEventType?: boolean;
  /**
   * Share of messages never delivered, in [0, 1], as after an outage Svix gave up on: each
   * journey loses its last messages (R × its length, rounded at random), and their changes
   * happen `outageMs` later, once enrichment has fetched for what did arrive. A lost webhook
   * followed by a delivered one would be repaired by enrichment's details fetch anyway; a
   * lost tail is what only reconciliation finds.
   */
  readonly dropWebhooks?: number;
  /** How long the changes of a lost tail wait. @defaultValue 1000 */
  readonly outageMs?: number;
  /** In [0, 1), rounds each journey's share of lost messages. @defaultValue Math.random */
  readonly random?: () => number;
}

export interface RunJourneysOptions extends DeliveryOptions {
  readonly sender: WebhookSender;
  readonly state: SimulatorState;
  /** @defaultValue every journey */
  readonly journeys?: readonly JourneyName[];
  /** How many customers go through a journey (cycling through `journeys`). @defaultValue journeys.length */
  readonly customers?: number;
  /** Journeys run at once. @defaultValue 4 */
  readonly concurrency?: number;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export interface JourneyReport {
  readonly deliveries: readonly DeliveryResult[];
  /** Customers created, in the order their journeys started. */
  readonly customerIds: readonly string[];
  /** Deliveries that did not get a 2xx. */
  readonly failed: number;
  /** Messages dropped on purpose (`dropWebhooks`), never sent. */
  readonly dropped: number;
}

type Step = () => object;

/** The steps of one journey; running them in order plays it against `state`. */
export function journeySteps(name: JourneyName, state: SimulatorState, now: () => Date): Step[] {
  let customer: SimCustomer | undefined;
  let alertId = '';
  const id = (): string => customer!.id;
  const created: Step = () => {
    customer = state.addCustomer();
    return customerWebhook('customer.created', customer);
  };
  const update =
    (patch: Parameters<SimulatorState['updateCustomer']>[1], by?: string): Step =>
    () => {
      customer = state.updateCustomer(id(), patch, by);
      return customerWebhook('customer.updated', customer);
    };
  const active = update({
    onboardingLevel: 'Onboarded',
    status: 'Active',
    riskScore: 'Low',
    reason: 'Rules engine verification passed',
  });
  const signUp = update({ onboardingLevel: 'Sign-up' });
  const kycPassed = update({ onboardingLevel: 'KYC', reason: 'Passed KYC' });

  switch (name) {
    case 'onboarding':
      return [
        created,
        signUp,
        kycPassed,
        update({ onboardingLevel: 'AML screening', reason: 'Passed AML screening' }),
        active,
      ];
    case 'kyc-failure':
      return [
        created,
        signUp,
        update({
          onboardingLevel: 'KYC',
          status: 'Failed',
          reason: 'User rejected by the KYC provider with possibility to retry',
        }),
      ];
    case 'rejection':
      return [
        created,
        signUp,
        kycPassed,
        update({
          onboardingLevel: 'AML screening',
          status: 'Rejected',
          riskScore: 'High',
          reason: 'AML screening hits received during onboarding',
        }),
      ];
    case 'alert': {
      const hits = 'AML screening hits received during ongoing monitoring';
      return [
        created,
        active,
        () => {
          alertId = state.addAlert(id(), { severity: 'High', reason: hits }).id;
          return alertWebhook('alert.created', state.alert(alertId)!);
        },
        update({ status: 'To be reviewed', riskScore: 'High', reason: hits }),
        () => {
          const tag = { id: 'tag_Lk9d2Fq7Wm0s', title: 'needs-edd', type: 'alert' };
          const tags = [{ ...tag, createdAt: now().toISOString(), updatedAt: null }];
          const alert = state.updateAlert(alertId, { status: 'Under Investigation', tags });
          return alertWebhook('alert.updated', alert);
        },
        () => {
          const reason = 'False positive, name match only';
          return alertWebhook(
            'alert.updated',
            state.updateAlert(alertId, { status: 'Closed', reason }),
          );
        },
        update({ status: 'Active', riskScore: 'Low', reason: 'Alert closed' }, 'officer_19'),
      ];
    }
    case 'scenario':
      return [created, active, () => scenarioWebhook(state.customer(id())!, true, now())];
    case 'verification-flow':
      return [created, active, () => verificationFlowWebhook(state.customer(id())!, now())];
    case 'deletion':
      return [
        created,
        active,
        update(
          { status: 'Terminated', reason: 'Account closed at customer request' },
          'officer_19',
        ),
        () => {
          customer = state.deleteCustomer(id(), 'officer_19');
          return customerWebhook('customer.deleted', customer);
        },
      ];
  }
}

async function runOne(
  name: JourneyName,
  options: RunJourneysOptions,
  now: () => Date,
): Promise<{ deliveries: DeliveryResult[]; customerId: string; dropped: number }> {
  const { sender, state, signal } = options;
  const steps = journeySteps(name, state, now);
  const deliveries: DeliveryResult[] = [];
  const sent: WebhookMessage[] = [];
  const deliver = async (message: WebhookMessage): Promise<void> => {
    deliveries.push(await sender.deliver(message, signal));
    sent.push(message);
  };
  const lostFrom = steps.length - lostTail(steps.length, options);
  let customerId = '';
  const messages: WebhookMessage[] = [];
  for (const [index, step] of steps.entries()) {
    if (index === lostFrom) await sleep(options.outageMs ?? 1000, signal);
    const body = step() as { payload: { customerId: string } };
    customerId = body.payload.customerId;
    if (index >= lostFrom) continue;
    const message = webhookMessage(body);
    if (options.outOfOrder) messages.push(message);
    else await deliver(message);
    if (index === 0 && options.unknownEventType) {
      const extra = webhookMessage(unknownTypeWebhook(state.customer(customerId)!));
      if (options.outOfOrder) messages.push(extra);
      else await deliver(extra);
    }
  }
  for (const message of messages.reverse()) await deliver(message);
  if (options.redeliver) {
    for (const message of [...sent]) deliveries.push(await sender.deliver(message, signal));
  }
  return { deliveries, customerId, dropped: steps.length - lostFrom };
}

/** How many of a journey's last messages an outage loses: `dropWebhooks` × n on average. */
function lostTail(steps: number, options: RunJourneysOptions): number {
  if (!options.dropWebhooks) return 0;
  const exact = options.dropWebhooks * steps;
  const random = options.random ?? Math.random;
  return Math.min(steps, Math.floor(exact) + (random() < exact - Math.floor(exact) ? 1 : 0));
}

/** Plays journeys for `customers` customers and delivers their webhooks. */
export async function runJourneys(options: RunJourneysOptions): Promise<JourneyReport> {
  const names = options.journeys ?? JOURNEY_NAMES;
  if (names.length === 0) throw new RangeError('at least one journey is needed');
  const total = options.customers ?? names.length;
  const now = options.now ?? (() => new Date());
  const results: { deliveries: DeliveryResult[]; customerId: string; dropped: number }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      options.signal?.throwIfAborted();
      results[index] = await runOne(names[index % names.length]!, options, now);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, total));
  await Promise.all(Array.from({ length: workers }, worker));
  const deliveries = results.flatMap((result) => result.deliveries);
  const failed = deliveries.filter(
    (delivery) => typeof delivery.status !== 'number' || delivery.status >= 300,
  ).length;
  const dropped = results.reduce((sum, result) => sum + result.dropped, 0);
  const customerIds = results.map((result) => result.customerId);
  const report = { deliveries, customerIds, failed, dropped };
  options.logger?.info(
    { customers: total, deliveries: deliveries.length, failed, dropped },
    'simulated journeys delivered',
  );
  return report;
}

/** The journeys of the demo, one customer each. */
export const DEMO_JOURNEYS: readonly JourneyName[] = [
  'onboarding',
  'alert',
  'scenario',
  'verification-flow',
  'deletion',
];

export interface DemoJourneyOptions {
  /** The service's webhook URL. */
  readonly targetUrl: string;
  /** The `whsec_` secret the service verifies with. */
  readonly secret: string;
  /** The state the API simulator answers from, so enrichment finds these customers. */
  readonly state: SimulatorState;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** See {@link DeliveryOptions.dropWebhooks}. */
  readonly dropWebhooks?: number;
  /** Delivers instead of a plain sender to `targetUrl` signed with `secret`. */
  readonly sender?: WebhookSender;
}

/**
 * The short demo `compilot-ledger dev` runs: one customer through each of onboarding, an alert
 * investigation, a scenario, a verification flow and a deletion.
 */
export async function runDemoJourney(options: DemoJourneyOptions): Promise<JourneyReport> {
  const sender =
    options.sender ??
    createWebhookSender({
      targetUrl: options.targetUrl,
      secret: options.secret,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  return runJourneys({
    sender,
    state: options.state,
    journeys: DEMO_JOURNEYS,
    concurrency: 1,
    ...(options.dropWebhooks ? { dropWebhooks: options.dropWebhooks } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
