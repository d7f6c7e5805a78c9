/**
 * A rebuild spread over worker threads: the projections are dealt out round-robin (in registry
 * order: customer-state + alerts, kyc-history + wallet-index on two threads), and each thread
 * runs the ordinary rebuild (rebuildProjections.ts) of its share with its own connections, reading the log
 * itself. Generations, checkpoints, resumption and switches are per projection, so nothing
 * changes but where the work runs. Only registered projections can be sent to a thread, since
 * a thread loads them by name.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EventStoreLocation, LogLevel } from '../config.js';
import { startWorker } from '../lib/startWorker.js';
import type { Progress } from './progress.js';
import { DEFAULT_MEMORY_BUDGET_MB, type RebuildResult } from './rebuildOptions.js';
import type { OnError } from './target.js';

export interface RebuildThreadData {
  readonly eventStore: EventStoreLocation;
  readonly readModelPath: string;
  /** Names of registered projections. */
  readonly projections: readonly string[];
  readonly batchSize: number | undefined;
  readonly onError: OnError;
  readonly logLevel: LogLevel;
  /** Where the thread's JSON log lines go: 1 (stdout, the service) or 2 (stderr, the CLI). */
  readonly logFd: 1 | 2;
  readonly aborted: boolean;
  /** This thread's share of the memory budget. */
  readonly memoryBudgetMb: number;
}

export type ToRebuildThread = { readonly type: 'abort' };

export type FromRebuildThread =
  | { readonly type: 'progress'; readonly done: number; readonly total: number | undefined }
  | { readonly type: 'done'; readonly result: RebuildResult }
  | { readonly type: 'failed'; readonly message: string };

export interface RebuildInThreadsOptions {
  readonly eventStore: EventStoreLocation;
  readonly readModelPath: string;
  /** Names of registered projections, in registry order. */
  readonly projections: readonly string[];
  readonly threads: number;
  readonly batchSize?: number;
  /** @defaultValue 'stop' */
  readonly onError?: OnError;
  /** REBUILD_MEMORY_MB for all threads together (each gets its share). */
  readonly memoryBudgetMb?: number;
  readonly logLevel: LogLevel;
  /** @defaultValue 1 (stdout) */
  readonly logFd?: 1 | 2;
  readonly signal?: AbortSignal;
  readonly progress?: Progress;
  /**
   * How many events the rebuild reads, if known: sizes the threads' young generation. Left out,
   * the threads keep Node's (the service's background builds: runner.ts says why).
   */
  readonly eventsToRead?: number;
}

const ENTRY = new URL('./rebuildThread.js', import.meta.url);

/**
 * The young generation of a rebuild's thread (V8 splits it into two semi-spaces of a third
 * each and a third for large young objects): 192 MB, semi-spaces of 64 MB instead of Node's
 * 16. A rebuild keeps each page of events alive for about two pages' worth of allocation (it
 * reads one page ahead), and an encrypted one also the values waiting for the seal thread; with
 * 16 MB semi-spaces most of them outlived two scavenges and were copied into the old
 * generation (2.2 GB promoted in the encrypted 1,000,000-event rebuild against 0.6 GB in the
 * plaintext one), which then needed three times the full collections. With 64 MB the encrypted
 * rebuild's scavenges took half the time and it ran 12-25 % faster in six of eight alternated
 * pairs (level in two); the plaintext one moved within noise; 128 MB was no better than the
 * default. The cost is memory: peak RSS +100 MB plaintext, +170 MB encrypted at 1,000,000
 * events, +85 MB with the heap guard at work (docs/performance.md). So only logs up to
 * {@link LARGE_REBUILD_EVENTS} get it: the encrypted 5,000,000-event rebuild already peaked at
 * 947-959 MB, and the 1 GB bound comes first.
 */
export const REBUILD_YOUNG_GENERATION_MB = 192;
/** The same young generation as a process flag (the bench's in-process rebuilds use it). */
export const REBUILD_SEMI_SPACE_MB = REBUILD_YOUNG_GENERATION_MB / 3;
/** Rebuilds of more events than this keep Node's young generation (memory before speed). */
export const LARGE_REBUILD_EVENTS = 2_000_000;

/** The young generation (MB) of a rebuild's thread; undefined keeps Node's. */
export function rebuildYoungGenerationMb(eventsToRead: number | undefined): number | undefined {
  // Unknown (positions that are not sequence numbers): the memory bound is the safe side.
  return eventsToRead !== undefined && eventsToRead <= LARGE_REBUILD_EVENTS
    ? REBUILD_YOUNG_GENERATION_MB
    : undefined;
}

/**
 * The thread count of `rebuild` (and of the service's background builds) when none is asked
 * for: one. On the bulk path a second thread reads and parses the whole log again and competes
 * for the write lock; bench:rebuild measures one thread against {@link parallelRebuildThreads}
 * in the same run (README, Performance).
 */
export function defaultRebuildThreads(): number {
  return 1;
}

/** One thread per core, no more threads than projections: what `--threads` can usefully ask. */
export function parallelRebuildThreads(projections: number): number {
  return Math.max(1, Math.min(availableParallelism(), projections));
}

/** The projections dealt out round-robin over at most `threads` non-empty shares. */
export function shareOut<T>(items: readonly T[], threads: number): T[][] {
  const count = Math.max(1, Math.min(threads, items.length));
  const shares: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, index) => shares[index % count]!.push(item));
  return shares;
}

/** Rebuilds the projections over threads; rejects (after stopping every thread) if one fails. */
export async function rebuildInThreads(options: RebuildInThreadsOptions): Promise<RebuildResult> {
  const started = performance.now();
  const shares = shareOut(options.projections, options.threads);
  const youngMb = rebuildYoungGenerationMb(options.eventsToRead);
  const progress = shares.map(() => ({ done: 0, total: undefined as number | undefined }));
  const workers: Worker[] = [];
  const abortAll = (): void => {
    for (const worker of workers) worker.postMessage({ type: 'abort' } satisfies ToRebuildThread);
  };
  options.signal?.addEventListener('abort', abortAll, { once: true });
  const report = (): void => {
    // The slowest thread says how far the whole rebuild is.
    const done = Math.min(...progress.map((p) => p.done));
    const totals = progress.flatMap((p) => (p.total === undefined ? [] : [p.total]));
    options.progress?.update(done, totals.length === 0 ? undefined : Math.max(...totals));
  };
  try {
    const outcomes = await Promise.allSettled(
      shares.map((projections, index) => {
        const data: RebuildThreadData = {
          eventStore: options.eventStore,
          readModelPath: options.readModelPath,
          projections,
          batchSize: options.batchSize,
          onError: options.onError ?? 'stop',
          logLevel: options.logLevel,
          logFd: options.logFd ?? 1,
          aborted: options.signal?.aborted ?? false,
          memoryBudgetMb: (options.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB) / shares.length,
        };
        const worker = startWorker(ENTRY, import.meta.url, data, {
          resourceLimits: youngMb === undefined ? undefined : { maxYoungGenerationSizeMb: youngMb },
        });
        workers.push(worker);
        return runThread(worker, projections, (done, total) => {
          progress[index] = { done, total };
          report();
        }).catch((error: unknown) => {
          abortAll();
          throw error;
        });
      }),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const results = outcomes.map((o) => (o as PromiseFulfilledResult<RebuildResult>).value);
    const order = (name: string): number => options.projections.indexOf(name);
    return {
      results: results
        .flatMap((r) => r.results)
        .sort((a, b) => order(a.projection) - order(b.projection)),
      // Every thread read the same log: the events of the log, not the sum of the reads.
      eventsRead: Math.max(...results.map((r) => r.eventsRead)),
      seconds: (performance.now() - started) / 1000,
      spills: results.reduce((sum, r) => sum + r.spills, 0),
      heapCollections: results.reduce((sum, r) => sum + r.heapCollections, 0),
      // Each thread's time in its own writes, waits for the write lock included.
      writeSeconds: results.reduce((sum, r) => sum + r.writeSeconds, 0),
      finalWriteSeconds: results.reduce((sum, r) => sum + r.finalWriteSeconds, 0),
    };
  } finally {
    options.signal?.removeEventListener('abort', abortAll);
    options.progress?.finish();
  }
}

function runThread(
  worker: Worker,
  projections: readonly string[],
  onProgress: (done: number, total: number | undefined) => void,
): Promise<RebuildResult> {
  const label = `rebuild thread (${projections.join(', ')})`;
  return new Promise((resolve, reject) => {
    let result: RebuildResult | undefined;
    let failure: Error | undefined;
    worker.on('message', (message: FromRebuildThread) => {
      if (message.type === 'progress') onProgress(message.done, message.total);
      else if (message.type === 'done') result = message.result;
      else failure = new Error(`${label} failed: ${message.message}`);
    });
    worker.on('error', (error) => {
      failure ??= new Error(`${label} failed: ${error.message}`, { cause: error });
    });
    worker.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(failure ?? new Error(`${label} exited (${code}) without a result`));
    });
  });
}
