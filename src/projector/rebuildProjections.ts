/**
 * Zero-downtime rebuilds, on the bulk path. A building generation is filled from position zero
 * while the live generation keeps serving and, when it has the same version, keeps being
 * updated. Unlike the live runner, which writes every batch, a build keeps each document in
 * memory from the first event that touches it and writes it once: when the build reaches the
 * head, or when the staged documents outgrow the memory budget (a spill, stagingBudget.ts).
 * History documents nothing touches again (isNewKey) are written in large transactions as they
 * accumulate. A spill writes only the coldest documents (coldSpill.ts); every other write
 * commits the projection's checkpoint with its documents. Once the build has read the log to
 * its head it gets its indexes and is switched in atomically (generations.ts). A crash leaves
 * the building generation at its last committed checkpoint, and the next rebuild or start
 * resumes it, unless a cold spill wrote documents ahead of it: then the build starts again.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Projection } from '../../projections/projection.js';
import type { Position, RecordedEvent } from '../store/eventStore.js';
import {
  createGeneration,
  resumable,
  dropGeneration,
  findByState,
  type Generation,
} from '../readmodel/generations.js';
import { eventsBetween } from './progress.js';
import { flushAll } from './batch.js';
import { switchCaughtUp } from './switchCaughtUp.js';
import { createStagingBudget } from './stagingBudget.js';
import { createHeapGuard, heapLimitMb } from './heapGuard.js';
import { begin, createTarget, type Pending, type Target } from './target.js';
import { stageAll } from './stageEvents.js';
import { COLD_SHARE, SPILL_GAP_EVENTS, coldKeys, nextColdShare, spillCold } from './coldSpill.js';
import {
  DEFAULT_MEMORY_BUDGET_MB,
  MAX_BULK_PAGE,
  type BuildOptions,
  type BuildOutcome,
  type BuildResult,
  type RebuildResult,
} from './rebuildOptions.js';

/**
 * Rebuilds the given projections: starts a building generation for each (or resumes one of
 * the same version left by an interrupted rebuild), fills it and switches it in.
 */
export async function rebuildProjections(
  projections: readonly Projection[],
  options: BuildOptions,
): Promise<RebuildResult> {
  const { db } = options;
  const now = (options.clock ?? (() => new Date()))().toISOString();
  const generations = projections.map((projection) => {
    const existing = findByState(db, projection.name, 'building');
    if (
      existing !== undefined &&
      existing.version === projection.version &&
      resumable(db, existing)
    ) {
      options.logger.info(
        {
          projection: projection.name,
          generation: existing.generation,
          checkpoint: existing.checkpoint,
        },
        // The service's start creates the generation a new version needs and hands it here:
        // nothing was interrupted when nothing was written yet.
        existing.checkpoint === null
          ? 'building the generation from the start of the log'
          : 'resuming an interrupted rebuild',
      );
      return existing;
    }
    if (existing?.version === projection.version) {
      options.logger.info(
        { projection: projection.name, generation: existing.generation },
        'an interrupted rebuild cannot be resumed (written ahead of its checkpoint, or sealed otherwise): starting it again',
      );
    }
    if (existing !== undefined) db.transaction(() => dropGeneration(db, existing)).immediate();
    return createGeneration(db, projection, 'building', now);
  });
  return buildGenerations(projections, generations, options);
}

/** Drives building generations (one per projection, same order) to their switch. */
export async function buildGenerations(
  projections: readonly Projection[],
  generations: readonly Generation[],
  options: BuildOptions,
): Promise<RebuildResult> {
  const { store, db, logger, signal } = options;
  const batchSize = Math.min(options.batchSize ?? 5000, MAX_BULK_PAGE);
  const maxDirty = options.maxDirtyDocuments ?? 1_000;
  const flushEvery = options.flushEveryEvents ?? Number.POSITIVE_INFINITY;
  const budgetMb = options.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB;
  const budget = createStagingBudget(budgetMb);
  const heap = createHeapGuard(options.heapLimitMb ?? heapLimitMb(budgetMb), (limitMb) =>
    logger.warn({ limitMb }, 'the staged documents use more heap than REBUILD_MEMORY_MB says'),
  );
  let spills = 0;
  // What the last cold spill wrote of the documents it could have kept, and when it came.
  let coldShare = COLD_SHARE;
  let lastSpillAt: number | undefined;
  const clock = options.clock ?? (() => new Date());
  const onError = options.onError ?? 'stop';
  const started = performance.now();
  const results: BuildResult[] = [];
  let active: Target[] = generations.map((generation, index) =>
    createTarget(db, projections[index]!, generation, options.cacheSize ?? 5_000),
  );
  // Documents staged in memory since the last flush, per target.
  const pending = new Map<Target, Pending>();
  const finish = (target: Target, outcome: BuildOutcome): void => {
    results.push({
      projection: target.projection.name,
      version: target.projection.version,
      generation: target.generation,
      outcome,
      eventsApplied: target.eventsApplied,
      checkpoint: target.checkpoint ?? null,
      poison: target.poisoned ?? null,
    });
    active = active.filter((other) => other !== target);
    pending.delete(target);
  };
  const position = (target: Target) => pending.get(target)?.checkpoint ?? target.checkpoint;
  // Only the targets asked for (all by default): one projection with many small documents
  // filling up must not force the others to rewrite their documents early.
  let writeSeconds = 0;
  let finalWriteSeconds = 0;
  const flushPending = (only?: (staged: Pending) => boolean, final = false): void => {
    const began = performance.now();
    try {
      writePending(only);
    } finally {
      const spent = (performance.now() - began) / 1000;
      writeSeconds += spent;
      if (final) finalWriteSeconds += spent;
    }
  };
  const writePending = (only?: (staged: Pending) => boolean): void => {
    const entries = active.flatMap((target) => {
      const staged = pending.get(target);
      return staged && (only === undefined || only(staged)) ? [{ target, pending: staged }] : [];
    });
    if (entries.length === 0) return;
    for (const entry of entries) pending.delete(entry.target);
    // A transaction per projection: each commits its documents with its own checkpoint, and
    // the write lock is let go between them (bulk writes are large; the live runner waits).
    // The building generation gets the read model's durability settings, not looser ones:
    // journal_mode and synchronous belong to the database file, which the live generation
    // shares, so OFF would put live tables at risk on a crash or power loss. It would also
    // save little: in WAL mode with synchronous=NORMAL a commit does not fsync (only the
    // checkpoints every 16,384 pages do), and a commit lost to a power cut only sends the build
    // back to its previous checkpoint, which commits with its documents. What a bulk build can
    // save is WAL volume, by writing each document once per build or spill.
    for (const { target, pending: staged } of entries) {
      const outcome = flushAll(db, [{ target, pending: staged }]).get(staged);
      if (outcome === 'gone') finish(target, 'superseded');
      else if (target.poisoned !== undefined) {
        logger.error({ poison: target.poisoned }, 'rebuild stopped at a poison event');
        finish(target, 'poisoned');
      }
    }
  };
  // A cold spill of every projection (coldSpill.ts); one that cannot write (its generation
  // moved) gets the full flush, which sorts that out.
  const spillColdDocuments = (at: number): void => {
    coldShare = nextColdShare(
      coldShare,
      lastSpillAt === undefined ? undefined : at - lastSpillAt,
      options.spillGapEvents ?? SPILL_GAP_EVENTS,
    );
    lastSpillAt = at;
    const began = performance.now();
    try {
      for (const target of [...active]) {
        const staged = pending.get(target);
        if (staged === undefined) continue;
        const keys = coldKeys(staged, 1 - coldShare);
        if (keys.length === 0) continue;
        if (spillCold(target, staged, keys) === 'moved') {
          writePending((other) => other === staged);
        }
      }
    } finally {
      writeSeconds += (performance.now() - began) / 1000;
    }
  };
  const start = minimum(active.map((target) => target.checkpoint));
  const head = await store.headPosition();
  const total = eventsBetween(start, head);
  let eventsRead = 0;
  let sinceFlush = 0;
  let ahead: { after: Position; page: Promise<RecordedEvent[]> } | undefined;

  try {
    while (active.length > 0) {
      if (signal?.aborted) {
        flushPending();
        for (const target of [...active]) finish(target, 'aborted');
        break;
      }
      const after = minimum(active.map(position));
      const page =
        ahead !== undefined && ahead.after === after
          ? await ahead.page
          : await store.readAll({ after, maxCount: batchSize });
      ahead = undefined;
      // Read the next page while this one is applied: a store that decrypts (or answers over the
      // network) works meanwhile. The targets normally continue right after this page; if not
      // (one finished, a gap), the read ahead is dropped.
      if (page.length === batchSize) {
        const next = page[page.length - 1]!.position;
        ahead = { after: next, page: store.readAll({ after: next, maxCount: batchSize }) };
        // Awaited when used; a failure of one that is dropped must not go unhandled.
        ahead.page.catch(() => undefined);
      }
      // Let HTTP requests and the live runner in, even when the store answers synchronously; and
      // let the read ahead get going before this page is applied: a store's asynchronous part
      // (the decrypting decorator hands the page to its thread) runs only once we yield.
      await yieldToEventLoop();
      eventsRead += page.length;
      sinceFlush += page.length;
      const staging: { target: Target; pending: Pending }[] = [];
      for (const target of [...active]) {
        let staged = pending.get(target);
        if (staged === undefined) {
          const begun = begin(target, after);
          if (begun.kind === 'gone') {
            finish(target, 'superseded');
            continue;
          }
          if (begun.kind === 'gap') continue;
          staged = begun.pending;
          pending.set(target, staged);
        }
        staging.push({ target, pending: staged });
      }
      const now = clock().toISOString();
      const stopped = stageAll(staging, page, { onError, now }).includes(false);
      const caughtUp = page.length < batchSize;
      if (caughtUp || stopped || sinceFlush >= flushEvery) {
        flushPending(undefined, caughtUp);
        sinceFlush = 0;
      } else if (budget.exceeded(pending)) {
        logger.debug(
          { estimatedMb: Math.round(budget.estimatedBytes / 2 ** 20), eventsRead },
          'staged documents above the rebuild memory budget: writing them out',
        );
        spills += 1;
        if (options.coldSpills === false) {
          flushPending();
          sinceFlush = 0;
        } else spillColdDocuments(eventsRead);
      } else flushPending((staged) => staged.appended >= maxDirty);
      heap.check();
      if (page.length > 0) {
        options.progress?.update(
          eventsRead,
          total === undefined ? undefined : Math.max(total, eventsRead),
        );
      }
      if (caughtUp) switchCaughtUp(active, { ...options, now: clock().toISOString() }, finish);
    }
  } finally {
    // V8 sizes the heap itself again once the build is over (heapGuard.ts).
    heap.release();
  }
  options.progress?.finish();
  return {
    results,
    eventsRead,
    seconds: (performance.now() - started) / 1000,
    spills,
    heapCollections: heap.collections,
    writeSeconds,
    finalWriteSeconds,
  };
}

/** The smallest position, undefined (the start of the log) if any is undefined. */
export function minimum(positions: readonly (Position | undefined)[]): Position | undefined {
  let lowest: Position | undefined;
  for (const position of positions) {
    if (position === undefined) return undefined;
    if (lowest === undefined || position < lowest) lowest = position;
  }
  return lowest;
}
