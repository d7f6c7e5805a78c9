/**
 * One thread of a rebuild spread over threads (rebuildThreads.ts): opens its own connections to
 * the event store and the read model and runs the ordinary rebuild (rebuildProjections.ts) of the
 * registered projections it was given, reporting progress and its result to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { registry } from '../../projections/index.js';
import { createLogger } from '../lib/logger.js';
import { openEventStore } from '../store/openEventStore.js';
import { openReadModel } from '../readmodel/readModelStore.js';
import { rebuildProjections } from './rebuildProjections.js';
import type { FromRebuildThread, RebuildThreadData, ToRebuildThread } from './rebuildThreads.js';

const port = parentPort!;
const data = workerData as RebuildThreadData;
const send = (message: FromRebuildThread): void => port.postMessage(message);
const abort = new AbortController();
if (data.aborted) abort.abort();
port.on('message', (message: ToRebuildThread) => {
  if (message.type === 'abort') abort.abort();
});

function open(path: string): ReturnType<typeof openReadModel> {
  try {
    return openReadModel(path);
  } catch (error) {
    throw new Error(`cannot open the read model at ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

// No top-level await: from source the thread runs as CommonJS through tsx (lib/startWorker.ts).
void run();

async function run(): Promise<void> {
  try {
    // Each line says which thread's share of the projections it is about.
    const logger = createLogger(data.logLevel, pino.destination(data.logFd)).child({
      rebuildThread: data.projections.join(','),
    });
    const selected = data.projections.map((name) => {
      const projection = registry.get(name);
      if (projection === undefined) throw new Error(`no registered projection "${name}"`);
      return projection;
    });
    const store = openEventStore(data.eventStore, logger);
    try {
      const db = open(data.readModelPath);
      try {
        const result = await rebuildProjections(selected, {
          store,
          db,
          logger,
          batchSize: data.batchSize,
          onError: data.onError,
          memoryBudgetMb: data.memoryBudgetMb,
          signal: abort.signal,
          progress: {
            update: (done, total) => send({ type: 'progress', done, total }),
            finish: () => undefined,
          },
        });
        send({ type: 'done', result });
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    port.close();
  }
}
