/**
 * The decrypt thread (parallelDecrypt.ts): opens the envelopes of a page of events with the
 * keys the reading thread looked up, so AES-GCM runs beside the projections instead of before
 * them. It sees ciphertext, data keys and plaintext only: no key store, no event store.
 */
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { EnvelopeError, openEnvelope } from './envelope.js';
import type { DecryptJob, DecryptReply } from './parallelDecrypt.js';

// Below the thread it helps, so that it never slows that thread's garbage collection
// (helperPriority.ts).
lowerHelperPriority();

const port = parentPort!;
const KEY_BYTES = 32;

port.on('message', (job: DecryptJob) => {
  const stored = Buffer.from(job.stored);
  const keys = Buffer.from(job.keys);
  // Plaintext is never longer than its envelope: one buffer the size of the page's ciphertext.
  const plain = new ArrayBuffer(stored.length);
  const out = Buffer.from(plain);
  // The reader sends only pages whose stream names hold no NUL (ids are UUIDs).
  const bindings = job.bindings.split('\0');
  const count = job.ends.length;
  const ends = new Uint32Array(count);
  const problems: [number, string][] = [];
  let start = 0;
  let written = 0;
  for (let i = 0; i < count; i++) {
    const end = job.ends[i]!;
    const k = i * KEY_BYTES;
    try {
      const opened = openEnvelope(keys.subarray(k, k + KEY_BYTES), stored.subarray(start, end), {
        eventId: bindings[2 * i]!,
        streamName: bindings[2 * i + 1]!,
      });
      written += opened.copy(out, written);
    } catch (error) {
      problems.push([i, error instanceof EnvelopeError ? error.message : String(error)]);
    }
    ends[i] = written;
    start = end;
  }
  keys.fill(0);
  const reply: DecryptReply = { seq: job.seq, plain, ends, problems };
  port.postMessage(reply, [plain]);
});
