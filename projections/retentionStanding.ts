/**
 * Where a customer stands in its retention period at a given time: the one reading of the
 * retention facts that `erase`, the query API, the viewer and the CLI share, so that none of
 * them can call a customer erasable while another would refuse to erase it.
 */
import type { RelationshipEnd, RetentionFacts } from './relationshipEnd.js';
import { erasableFrom, relationshipEnd, restoredAfterDeletion } from './relationshipEnd.js';
import { holdsAt } from './retentionHold.js';

/**
 * - `erased`: the erasure record is in the stream.
 * - `held`: a retention hold is in effect, whatever the period says.
 * - `active`: no end of the relationship is recorded; the period has not started.
 * - `restored`: deleted, then reported by ComPilot again, not deleted: the relationship goes on.
 * - `retained`: the relationship ended and the retention period is running.
 * - `due`: the period has passed and nothing keeps the data: erasable without an override.
 */
export type RetentionStage = 'erased' | 'held' | 'active' | 'restored' | 'retained' | 'due';

export interface RetentionStanding {
  readonly stage: RetentionStage;
  readonly relationshipEnd: RelationshipEnd | null;
  /** End of relationship + the retention period; null without an end. */
  readonly erasableFrom: string | null;
  readonly deletedAt: string | null;
  /** When ComPilot reported the customer again, not deleted, after its newest deletion. */
  readonly restoredAt: string | null;
  readonly offboardedAt: string | null;
  /** The hold last placed and not released; `inEffect` false once its time has passed. */
  readonly hold: { readonly until: string | null; readonly inEffect: boolean } | null;
  readonly erasedAt: string | null;
  /** Event id of the erasure record. */
  readonly erasureId: string | null;
}

/** The standing of a customer whose folded retention facts are `facts`, at `now` (ISO time). */
export function retentionStanding(
  facts: RetentionFacts,
  now: string,
  retentionDays: number,
): RetentionStanding {
  const end = relationshipEnd(facts);
  const from = end === null ? null : erasableFrom(end.at, retentionDays);
  const inEffect = holdsAt(facts, now);
  const restored = restoredAfterDeletion(facts);
  return {
    stage: stageOf(facts, end, from, inEffect, restored, now),
    relationshipEnd: end,
    erasableFrom: from,
    deletedAt: facts.deletedAt,
    // A record from before the deletion restores nothing, so it is not reported as such.
    restoredAt: restored ? facts.restoredAt : null,
    offboardedAt: facts.offboardedAt,
    hold: facts.held ? { until: facts.heldUntil, inEffect } : null,
    erasedAt: facts.erasedAt,
    erasureId: facts.erasureId,
  };
}

function stageOf(
  facts: RetentionFacts,
  end: RelationshipEnd | null,
  from: string | null,
  held: boolean,
  restored: boolean,
  now: string,
): RetentionStage {
  if (facts.erasedAt !== null) return 'erased';
  if (held) return 'held';
  if (end === null) return restored ? 'restored' : 'active';
  return from! > now ? 'retained' : 'due';
}
