import t, { type Test } from 'tap';
import { createCompilotClient } from '../../src/compilot/client.js';
import { createCustomersApi } from '../../src/compilot/customers.js';
import { CompilotNotFoundError } from '../../src/compilot/comPilotErrors.js';
import {
  JOURNEY_NAMES,
  runDemoJourney,
  runJourneys,
  type JourneyName,
} from '../../src/simulator/journeys.js';
import { createWebhookSender } from '../../src/simulator/sender.js';
import { createSimulatorState } from '../../src/simulator/state.js';
import { generateSecret } from '../helpers/signWebhook.js';
import {
  scriptedRandom,
  startSimulator,
  startWebhookReceiver,
  type ReceivedDelivery,
} from '../helpers/simulatorHarness.js';

interface Body {
  eventType: string;
  payload: Record<string, unknown> & { customerId: string };
}

const parse = (delivery: ReceivedDelivery): Body =>
  JSON.parse(delivery.body.toString('utf8')) as Body;

async function play(t: Test, journeys: readonly JourneyName[], options = {}) {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const state = createSimulatorState();
  const sender = createWebhookSender({ targetUrl: receiver.url, secret });
  const report = await runJourneys({ sender, state, journeys, ...options });
  return { receiver, state, report, bodies: receiver.received.map(parse) };
}

void t.test('every journey delivers Svix-signed webhooks that svix verifies', async (t) => {
  const { receiver, report } = await play(t, JOURNEY_NAMES);
  t.equal(report.failed, 0);
  t.equal(report.customerIds.length, JOURNEY_NAMES.length);
  t.equal(receiver.received.length, report.deliveries.length);
  for (const delivery of receiver.received) {
    t.ok(delivery.verified, `${delivery.eventType} verifies`);
    t.match(delivery.headers['svix-id'], /^msg_[0-9A-Za-z]{27}$/);
    t.match(delivery.headers['svix-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
    t.equal(delivery.headers['content-type'], 'application/json');
  }
  const ids = receiver.received.map((delivery) => delivery.headers['svix-id']);
  t.equal(new Set(ids).size, ids.length, 'every message has its own svix-id');
});

void t.test('the API answers what the last customer webhook of each journey said', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const sim = await startSimulator(t);
  const api = createCustomersApi(
    createCompilotClient({ baseUrl: sim.api.url, apiKey: sim.apiKey }),
  );
  const sender = createWebhookSender({ targetUrl: receiver.url, secret });
  await runJourneys({ sender, state: sim.state, journeys: JOURNEY_NAMES });
  const lastByCustomer = new Map<string, Body>();
  for (const body of receiver.received.map(parse)) {
    if (body.eventType.startsWith('customer.')) lastByCustomer.set(body.payload.customerId, body);
  }
  t.equal(lastByCustomer.size, JOURNEY_NAMES.length);
  for (const [customerId, last] of lastByCustomer) {
    if (last.eventType === 'customer.deleted') {
      await t.rejects(api.getCustomerDetails(customerId), CompilotNotFoundError, 'deleted: 404');
      continue;
    }
    const { json } = await api.getCustomerDetails(customerId);
    t.equal(json.status, last.payload.status, `${customerId} status`);
    t.equal(json.onboardingLevel, last.payload.onboardingLevel);
    t.equal(json.riskScore, last.payload.riskScore);
    t.equal(json.updatedAt, last.payload.updatedAt);
  }
});

void t.test('onboarding goes sign-up, KYC, AML screening, then Active', async (t) => {
  const { bodies } = await play(t, ['onboarding']);
  t.same(
    bodies.map((body) => [body.eventType, body.payload.onboardingLevel, body.payload.status]),
    [
      ['customer.created', 'Started', null],
      ['customer.updated', 'Sign-up', null],
      ['customer.updated', 'KYC', null],
      ['customer.updated', 'AML screening', null],
      ['customer.updated', 'Onboarded', 'Active'],
    ],
  );
});

void t.test('KYC failure ends Failed and a rejection ends Rejected', async (t) => {
  const failure = await play(t, ['kyc-failure']);
  t.match(failure.bodies.at(-1)!.payload, { status: 'Failed', onboardingLevel: 'KYC' });
  const rejection = await play(t, ['rejection']);
  t.match(rejection.bodies.at(-1)!.payload, { status: 'Rejected', riskScore: 'High' });
});

void t.test(
  'an alert is created, investigated and closed while the customer is reviewed',
  async (t) => {
    const { bodies } = await play(t, ['alert']);
    const alerts = bodies.filter((body) => body.eventType.startsWith('alert.'));
    t.same(
      alerts.map((body) => [body.eventType, body.payload.status]),
      [
        ['alert.created', 'Open'],
        ['alert.updated', 'Under Investigation'],
        ['alert.updated', 'Closed'],
      ],
    );
    t.match(alerts[0]!.payload, { id: /^alrt_/, severity: 'High', tags: [] });
    const statuses = bodies
      .filter((body) => body.eventType === 'customer.updated')
      .map((body) => body.payload.status);
    t.same(statuses, ['Active', 'To be reviewed', 'Active']);
  },
);

void t.test('a scenario and a verification flow carry their results', async (t) => {
  const { bodies } = await play(t, ['scenario', 'verification-flow'], { concurrency: 1 });
  const scenario = bodies.find((body) => body.eventType === 'send.scenario')!;
  t.match(scenario.payload, {
    result: 'valid',
    executionId: /^exec_/,
    scenarios: [{ scenarioId: /^scenario_/, result: [{ result: { is_valid: true } }] }],
    data: [{ type: ['VerifiableCredential', 'IDInformation'] }],
  });
  const flow = bodies.find((body) => body.eventType === 'send.verification.flow')!;
  t.match(flow.payload, {
    result: [
      { type: 'integratedScorechain', data: { riskLevel: 'Low Risk' } },
      { type: 'integratedIpqualityscore', data: { ipVerification: { success: true } } },
    ],
  });
});

void t.test('a deletion ends with customer.deleted and the API forgets the customer', async (t) => {
  const { bodies, state, report } = await play(t, ['deletion']);
  t.match(bodies.at(-1)!, {
    eventType: 'customer.deleted',
    payload: { status: 'Terminated', deletedBy: 'officer_19', deletedAt: /Z$/ },
  });
  t.equal(state.customer(report.customerIds[0]!), undefined);
});

void t.test(
  'redelivery repeats each message with the same svix-id and a valid signature',
  async (t) => {
    const { receiver } = await play(t, ['kyc-failure'], { redeliver: true });
    const ids = receiver.received.map((delivery) => delivery.headers['svix-id']);
    t.equal(ids.length, 6);
    t.same(ids.slice(3), ids.slice(0, 3), 'the second half repeats the first');
    t.same(
      receiver.received.slice(3).map((delivery) => delivery.body),
      receiver.received.slice(0, 3).map((delivery) => delivery.body),
      'byte-identical bodies',
    );
    t.ok(receiver.received.every((delivery) => delivery.verified));
  },
);

void t.test('out-of-order delivery sends a journey backwards', async (t) => {
  const { bodies } = await play(t, ['onboarding'], { outOfOrder: true });
  t.same(
    bodies.map((body) => body.payload.onboardingLevel),
    ['Onboarded', 'AML screening', 'KYC', 'Sign-up', 'Started'],
  );
});

void t.test('an unknown event type can be mixed in', async (t) => {
  const { bodies, receiver } = await play(t, ['scenario'], { unknownEventType: true });
  t.same(
    bodies.map((body) => body.eventType),
    ['customer.created', 'individual.updated', 'customer.updated', 'send.scenario'],
  );
  t.ok(receiver.received.every((delivery) => delivery.verified));
});

void t.test('volume: N customers cycle through the chosen journeys', async (t) => {
  const { report, state } = await play(t, ['kyc-failure', 'scenario'], { customers: 10 });
  t.equal(report.customerIds.length, 10);
  t.equal(new Set(report.customerIds).size, 10);
  t.equal(state.customers().length, 10);
  t.equal(report.deliveries.length, 5 * 3 + 5 * 3);
});

void t.test('a failing receiver gets retries with the same svix-id', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret, (_delivery, index) =>
    index === 0 ? 503 : 204,
  );
  const sender = createWebhookSender({ targetUrl: receiver.url, secret, retryDelayMs: 10 });
  const report = await runJourneys({
    sender,
    state: createSimulatorState(),
    journeys: ['kyc-failure'],
  });
  t.equal(report.failed, 0);
  t.equal(report.deliveries[0]!.attempts, 2);
  t.equal(receiver.received[0]!.headers['svix-id'], receiver.received[1]!.headers['svix-id']);
  t.ok(receiver.received[1]!.verified);
});

void t.test('runDemoJourney delivers the demo customers to the target', async (t) => {
  const secret = generateSecret();
  const receiver = await startWebhookReceiver(t, secret);
  const state = createSimulatorState();
  const report = await runDemoJourney({ targetUrl: receiver.url, secret, state });
  t.equal(report.failed, 0);
  t.equal(report.customerIds.length, 5);
  t.ok(receiver.received.every((delivery) => delivery.verified));
  t.ok(receiver.received.some((delivery) => delivery.eventType === 'alert.updated'));
  t.ok(receiver.received.some((delivery) => delivery.eventType === 'customer.deleted'));
});

void t.test(
  '--drop-webhooks loses the end of each journey while its changes still happen',
  async (t) => {
    // 0.3 × 5 = 1.5 messages: the dice 0.4 rounds up to 2, 0.6 down to 1.
    const { receiver, state, report } = await play(t, ['onboarding', 'onboarding'], {
      dropWebhooks: 0.3,
      outageMs: 10,
      concurrency: 1,
      random: scriptedRandom([0.4, 0.6]),
    });
    t.equal(report.dropped, 3, 'two lost of the first journey, one of the second');
    t.equal(receiver.received.length, 7, 'the other seven were sent');
    const first = receiver.received
      .map(parse)
      .filter((b) => b.payload.customerId === report.customerIds[0]);
    t.equal(
      first.at(-1)?.payload.onboardingLevel,
      'KYC',
      'the first journey was heard of until KYC',
    );
    for (const id of report.customerIds) {
      t.equal(state.customer(id)?.status, 'Active', 'the lost changes happened anyway');
    }
  },
);
