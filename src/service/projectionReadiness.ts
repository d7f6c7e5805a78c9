/**
 * What /readyz says about the projections: the service is not ready while one is poisoned,
 * unbuilt or catching up. Separate so the wording of each reason can be tested without a server.
 */
import type { ReadinessCheck } from '../ingress/health.js';
import type { ProjectionRunner } from '../projector/runner.js';

export function projectionReadinessCheck(runner: Pick<ProjectionRunner, 'status'>): ReadinessCheck {
  return {
    name: 'projections',
    check: () => Promise.resolve(describeProjectionProblems(runner)),
  };
}

export function describeProjectionProblems(
  runner: Pick<ProjectionRunner, 'status'>,
): string | undefined {
  const status = runner.status();
  if (status.ready) return undefined;
  const problems = status.projections.flatMap((p) => {
    if (p.poisoned) return [`${p.name} stopped at poison event ${p.poisoned.position}`];
    if (p.servingGeneration === null) return [`${p.name} has not finished its first build`];
    if (!p.caughtUp) return [`${p.name} is catching up`];
    return [];
  });
  return problems.join('; ') || 'projections not ready';
}
