/**
 * The registry: every projection the service runs. Names and table names must be unique;
 * {@link createRegistry} throws at start otherwise.
 */
import { alertsProjection } from './alerts.js';
import { customerStateProjection } from './customerState.js';
import { kycHistoryProjection } from './kycHistory.js';
import type { Projection } from './projection.js';
import { retentionProjection } from './retention.js';
import { walletIndexProjection } from './walletIndex.js';

export type { Projection } from './projection.js';

const NAME = /^[a-z][a-z0-9-]*$/;
const TABLE = /^[a-z][a-z0-9_]*$/;

/** Checks a set of projections can run side by side; returns them in a name-indexed map. */
export function createRegistry(
  projections: readonly Projection[],
): ReadonlyMap<string, Projection<unknown>> {
  const byName = new Map<string, Projection<unknown>>();
  const tables = new Map<string, string>();
  for (const projection of projections) {
    if (!NAME.test(projection.name)) {
      throw new Error(`projection name "${projection.name}" must be lower-case kebab-case`);
    }
    if (byName.has(projection.name)) {
      throw new Error(`two projections are named "${projection.name}"`);
    }
    if (!Number.isSafeInteger(projection.version) || projection.version < 1) {
      throw new Error(`projection "${projection.name}" needs a positive whole version`);
    }
    for (const table of projection.tables) {
      if (!TABLE.test(table.name)) {
        throw new Error(`table name "${table.name}" of ${projection.name} must be snake_case`);
      }
      const owner = tables.get(table.name);
      if (owner !== undefined) {
        throw new Error(`table "${table.name}" belongs to both ${owner} and ${projection.name}`);
      }
      tables.set(table.name, projection.name);
    }
    byName.set(projection.name, projection);
  }
  return byName;
}

/** Every projection of the service, in the order they are applied. */
export const projections: readonly Projection[] = [
  customerStateProjection,
  kycHistoryProjection,
  alertsProjection,
  walletIndexProjection,
  retentionProjection,
];

export const registry = createRegistry(projections);
