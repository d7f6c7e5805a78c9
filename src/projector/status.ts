/** What the projection runner reports to /readyz, metrics and the CLI. */
import type { Projection } from '../../projections/projection.js';
import { listGenerations } from '../readmodel/generations.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { PoisonRecord, Target } from './target.js';

export interface RebuildStatus {
  readonly generation: number;
  readonly version: number;
  readonly checkpoint: string | null;
  readonly eventsApplied: number;
  /** The build stopped at a poison event; the live generation keeps serving. */
  readonly poisoned: PoisonRecord | null;
}

export interface ProjectionStatus {
  readonly name: string;
  /** Version of the code. */
  readonly version: number;
  /** The generation queries read, or null before the first build finished. */
  readonly servingGeneration: number | null;
  /** Version of the generation queries read (differs from `version` until a rebuild switches). */
  readonly servingVersion: number | null;
  /** Position of the last event applied to the serving generation. */
  readonly checkpoint: string | null;
  /** The live generation has applied the log up to its head (as last read). */
  readonly caughtUp: boolean;
  /**
   * Commit-time distance between the newest event the runner has seen and the last one this
   * projection applied; 0 when caught up, null when unknown.
   */
  readonly lagSeconds: number | null;
  readonly eventsApplied: number;
  /** The live projection stopped at this event (onError 'stop'); fix and restart. */
  readonly poisoned: PoisonRecord | null;
  readonly rebuilding: RebuildStatus | null;
}

export interface ProjectionsStatus {
  /**
   * Every projection serves a generation, none is stopped at a poison event, and every one
   * updated live has caught up with the log since start. A projection being rebuilt for a new
   * version serves its previous generation meanwhile and counts as ready.
   */
  readonly ready: boolean;
  readonly projections: readonly ProjectionStatus[];
}

interface PoisonRow {
  projection: string;
  generation: number;
  position: string;
  event_id: string;
  event_type: string;
  error: string;
  action: 'stopped';
  recorded_at: string;
}

/** What the runner knows in memory about a projection it updates live. */
export interface LiveInfo {
  readonly target: Target;
  readonly caughtUp: boolean;
}

/** The status from the generations table, the poison records and the live runner's state. */
export function readStatus(
  db: ReadModelDb,
  projections: readonly Projection[],
  liveInfo: (projection: string) => LiveInfo | undefined,
  newestSeen: Date | undefined,
): ProjectionsStatus {
  const generations = listGenerations(db);
  const poisons = db
    .prepare<[], PoisonRow>("SELECT * FROM projection_poison WHERE action = 'stopped'")
    .all();
  const list = projections.map((projection): ProjectionStatus => {
    const mine = generations.filter((g) => g.projection === projection.name);
    const serving = mine.find((g) => g.state === 'live');
    const building = mine.find((g) => g.state === 'building');
    const entry = liveInfo(projection.name);
    const buildPoison = poisons.find(
      (p) => p.projection === projection.name && p.generation === building?.generation,
    );
    const lastApplied = entry?.target.lastAppliedRecordedAt;
    const lagSeconds = entry?.caughtUp
      ? 0
      : newestSeen !== undefined && lastApplied !== undefined
        ? Math.max(0, (newestSeen.getTime() - lastApplied.getTime()) / 1000)
        : null;
    return {
      name: projection.name,
      version: projection.version,
      servingGeneration: serving?.generation ?? null,
      servingVersion: serving?.version ?? null,
      checkpoint: serving?.checkpoint ?? null,
      caughtUp: entry?.caughtUp ?? false,
      lagSeconds,
      eventsApplied: serving?.eventsApplied ?? 0,
      poisoned: entry?.target.poisoned ?? null,
      rebuilding: building
        ? {
            generation: building.generation,
            version: building.version,
            checkpoint: building.checkpoint,
            eventsApplied: building.eventsApplied,
            poisoned: buildPoison ? toPoison(buildPoison) : null,
          }
        : null,
    };
  });
  const ready = list.every(
    (p) =>
      p.servingGeneration !== null &&
      p.poisoned === null &&
      (p.caughtUp || p.servingVersion !== p.version),
  );
  return { ready, projections: list };
}

function toPoison(row: PoisonRow): PoisonRecord {
  return {
    projection: row.projection,
    generation: row.generation,
    position: row.position,
    eventId: row.event_id,
    eventType: row.event_type,
    error: row.error,
    action: row.action,
    recordedAt: row.recorded_at,
  };
}
