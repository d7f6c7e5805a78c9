/**
 * What /readyz reports about the projections, one reason per projection that holds readiness back.
 */
import t from 'tap';
import type { ProjectionStatus, ProjectionsStatus } from '../../src/projector/status.js';
import type { PoisonRecord } from '../../src/projector/target.js';
import {
  describeProjectionProblems,
  projectionReadinessCheck,
} from '../../src/service/projectionReadiness.js';

const POISON: PoisonRecord = {
  projection: 'customers',
  generation: 1,
  position: '42',
  eventId: 'evt_1',
  eventType: 'customer.created',
  error: 'boom',
  action: 'stopped',
  recordedAt: '2024-01-01T00:00:00.000Z',
};

function projection(name: string, overrides: Partial<ProjectionStatus> = {}): ProjectionStatus {
  return {
    name,
    version: 1,
    servingGeneration: 1,
    servingVersion: 1,
    checkpoint: '1',
    caughtUp: true,
    lagSeconds: 0,
    eventsApplied: 1,
    poisoned: null,
    rebuilding: null,
    ...overrides,
  };
}

function runner(status: ProjectionsStatus): { status: () => ProjectionsStatus } {
  return { status: () => status };
}

void t.test('ready projections report no problem', async (t) => {
  t.equal(
    describeProjectionProblems(runner({ ready: true, projections: [projection('a')] })),
    undefined,
  );
});

void t.test('each projection that is not ready is named with its reason', async (t) => {
  const status: ProjectionsStatus = {
    ready: false,
    projections: [
      projection('customers', { poisoned: POISON }),
      projection('kyc', { servingGeneration: null }),
      projection('feed', { caughtUp: false }),
      projection('fine'),
    ],
  };
  t.equal(
    describeProjectionProblems(runner(status)),
    'customers stopped at poison event 42; kyc has not finished its first build; feed is catching up',
  );
});

void t.test(
  'not ready without a named reason still says the projections are not ready',
  async (t) => {
    const status: ProjectionsStatus = { ready: false, projections: [projection('fine')] };
    t.equal(describeProjectionProblems(runner(status)), 'projections not ready');
  },
);

void t.test(
  'the readiness check is named projections and resolves to the description',
  async (t) => {
    const check = projectionReadinessCheck(runner({ ready: false, projections: [] }));
    t.equal(check.name, 'projections');
    t.equal(await check.check(), 'projections not ready');
  },
);
