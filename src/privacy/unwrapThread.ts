/**
 * The unwrap thread (parallelUnwrap.ts): unwraps a chunk of data keys read ahead with the master
 * key and returns them. It sees wrapped keys, the master key and data keys only: no key store,
 * no events. A key that does not unwrap is returned as not opened; its lookup on the reading
 * thread then unwraps it and reports why.
 */
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { unwrapDataKey } from './masterKey.js';
import { DATA_KEY_BYTES, type UnwrapJob, type UnwrapReply } from './parallelUnwrap.js';

// Below the thread it helps (helperPriority.ts).
lowerHelperPriority();

const port = parentPort!;

port.on('message', (job: UnwrapJob) => {
  const master = { key: Buffer.from(job.master), id: '' };
  const wrapped = Buffer.from(job.wrapped);
  const keys = new ArrayBuffer(job.keyIds.length * DATA_KEY_BYTES);
  const out = new Uint8Array(keys);
  const opened = new Uint8Array(job.keyIds.length);
  let start = 0;
  job.keyIds.forEach((keyId, i) => {
    const end = job.ends[i]!;
    try {
      const key = unwrapDataKey(master, wrapped.subarray(start, end), job.subjects[i]!, keyId);
      if (key.length === DATA_KEY_BYTES) {
        out.set(key, i * DATA_KEY_BYTES);
        opened[i] = 1;
      }
      key.fill(0);
    } catch {
      // Not opened: the reading thread's own unwrap names the problem.
    }
    start = end;
  });
  master.key.fill(0);
  const reply: UnwrapReply = { seq: job.seq, keys, opened };
  port.postMessage(reply, [keys, opened.buffer]);
});
