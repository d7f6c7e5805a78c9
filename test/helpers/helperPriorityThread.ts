/**
 * A thread for test/lib/helperPriority.test.ts: set first to the nice value in workerData (if
 * any), then lowered as a helper thread is; it posts the nice value it ends with and its id.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadId, lowerHelperPriority } from '../../src/lib/helperPriority.js';

const preset = workerData as number | undefined;
if (preset !== undefined) setPriority(currentThreadId()!, preset);
parentPort!.postMessage({ nice: lowerHelperPriority(), thread: currentThreadId() });
