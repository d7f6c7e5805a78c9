/**
 * The one shape of `GET /customers/:customerId`, with or without a point in time: the customer's
 * fields at the top level, as the current-state answer always had them (so clients of the
 * default answer keep working), and the point-in-time fields beside them, null when no time was
 * asked for. Alert counts come from the read model, which only knows the present: they are null
 * at a point in time.
 */
import type { CustomerState } from '../../projections/customerState.js';
import type { PointInTime, PointInTimeFold } from '../audit/pointInTime.js';

export interface PointInTimeFields {
  /** The `asOf` asked for (ComPilot time), as ISO; null when not given. */
  readonly asOf: string | null;
  /** The `knownAt` asked for (our time), as ISO; null when not given. */
  readonly knownAt: string | null;
  /** Events folded into this state; null for the current state (read model). */
  readonly eventsApplied: number | null;
  /** Events the customer stream holds; null for the current state (read model). */
  readonly eventsInStream: number | null;
}

export type CustomerAnswer = PointInTimeFields &
  CustomerState & {
    readonly openAlertCount: number | null;
    readonly alertCounts: Readonly<Record<string, number>> | null;
  };

const CURRENT: PointInTimeFields = {
  asOf: null,
  knownAt: null,
  eventsApplied: null,
  eventsInStream: null,
};

/** The current state: the read model's customer (state plus alert counts). */
export function customerAnswer(customer: object): CustomerAnswer {
  return { ...CURRENT, ...(customer as Omit<CustomerAnswer, keyof PointInTimeFields>) };
}

export function pointInTimeAnswer(
  at: PointInTime,
  fold: PointInTimeFold,
  state: CustomerState,
): CustomerAnswer {
  return {
    asOf: at.asOf?.toISOString() ?? null,
    knownAt: at.knownAt?.toISOString() ?? null,
    eventsApplied: fold.eventsApplied,
    eventsInStream: fold.eventsInStream,
    ...state,
    openAlertCount: null,
    alertCounts: null,
  };
}
