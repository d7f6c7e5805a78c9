/**
 * What a rebuild (rebuildProjections.ts) takes and what it reports: its options, the limits
 * they default to, and its results, shared with those who size builds and read their outcome
 * (the `rebuild` command and its threads, the benchmarks).
 */
import type { Logger } from '../lib/logger.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { EventStore, Position } from '../store/eventStore.js';
import type { Progress } from './progress.js';
import type { OnError, PoisonRecord } from './target.js';

export interface BuildOptions {
  readonly store: EventStore;
  readonly db: ReadModelDb;
  readonly logger: Logger;
  /**
   * Events per read, at most {@link MAX_BULK_PAGE} (a build writes in transactions of its own
   * size, see maxDirtyDocuments and memoryBudgetMb). @defaultValue 5000
   */
  readonly batchSize?: number;
  /** @defaultValue 'stop' */
  readonly onError?: OnError;
  readonly signal?: AbortSignal;
  readonly progress?: Progress;
  /** Documents kept in memory per projection between flushes. @defaultValue 5000 */
  readonly cacheSize?: number;
  /**
   * Flush a projection (write its staged documents and checkpoint) once this many of its staged
   * documents are new history documents (isNewKey), the others staying staged. Small enough
   * that they are written while still in V8's young generation: with 10,000 the kyc-history
   * observations of the 200,000-event bench log were all copied into the old generation
   * (promoted: 311 MB in all, 155 MB with 1,000). @defaultValue 1000
   */
  readonly maxDirtyDocuments?: number;
  /**
   * REBUILD_MEMORY_MB: write every projection's staged documents out once they are estimated
   * above this many MiB (stagingBudget.ts). @defaultValue 128
   */
  readonly memoryBudgetMb?: number;
  /**
   * Heap in use (MiB, garbage included) above which the build asks V8 for a full collection
   * (heapGuard.ts). @defaultValue heapLimitMb(memoryBudgetMb): 3x the budget, at least 256
   */
  readonly heapLimitMb?: number;
  /**
   * Spills write only the coldest documents (coldSpill.ts); false writes every staged document
   * with a checkpoint, so that a crash after a spill resumes from it. @defaultValue true
   */
  readonly coldSpills?: boolean;
  /**
   * A cold spill within this many events of the previous one writes twice the share of cold
   * documents the previous one did (coldSpill.ts, nextColdShare); 0 keeps every spill at a
   * tenth. @defaultValue SPILL_GAP_EVENTS (50,000)
   */
  readonly spillGapEvents?: number;
  /** Flush every projection at least every this many events read. @defaultValue never */
  readonly flushEveryEvents?: number;
  readonly clock?: () => Date;
  /** Told after each switch (the live runner re-reads its generations). */
  readonly onSwitched?: (projection: string, generation: number) => void;
}

/**
 * The most events a build reads at once. A page stays alive while every projection stages it;
 * one that outlives a scavenge of V8's young generation (every 1,500 events or so of the bench
 * log) is copied, and after two into the old generation, all of it garbage soon after. On the
 * 200,000-event bench log: pages of 5,000 promoted 406 MB, of 1,000 249 MB; a bare scan cost
 * 8.1 µs an event with pages of 5,000, 5.2 with 1,000; the whole rebuild 33-36 µs an event with
 * pages of 1,000, 31-33 with 500 (250: no better).
 */
export const MAX_BULK_PAGE = 500;

/** REBUILD_MEMORY_MB's default. */
export const DEFAULT_MEMORY_BUDGET_MB = 128;

export type BuildOutcome = 'switched' | 'poisoned' | 'aborted' | 'superseded';

export interface BuildResult {
  readonly projection: string;
  readonly version: number;
  readonly generation: number;
  readonly outcome: BuildOutcome;
  readonly eventsApplied: number;
  readonly checkpoint: Position | null;
  readonly poison: PoisonRecord | null;
}

export interface RebuildResult {
  readonly results: readonly BuildResult[];
  /** Events read from the log (each read once, whatever the number of projections). */
  readonly eventsRead: number;
  readonly seconds: number;
  /** Times the staged documents outgrew the memory budget and were written out early. */
  readonly spills: number;
  /** Full collections the build asked for (heapGuard.ts). */
  readonly heapCollections: number;
  /**
   * Seconds spent writing staged documents (every flush, spills included), and of them in the
   * write at the head, where every document still staged is written (and, with encryption at
   * rest, sealed). Both are part of `seconds`.
   */
  readonly writeSeconds: number;
  readonly finalWriteSeconds: number;
}
