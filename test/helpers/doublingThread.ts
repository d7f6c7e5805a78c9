/** A helper thread for test/lib/helperThread.test.ts: doubles each job's value, or exits. */
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
port.on('message', (job: { seq: number; value: number; exit?: boolean }) => {
  if (job.exit === true) process.exit(3);
  port.postMessage({ seq: job.seq, value: job.value * 2 });
});
