/**
 * The decrypt thread (parallelDecrypt.ts): opens the envelopes of a page of events with the
 * keys the reading thread looked up, so AES-GCM runs beside the projections instead of before
 * them. It sees ciphertext, data keys and plaintext only: no key store, no event store.
 */
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { EnvelopeError, openEnvelope } from './envelope.js';
import { unpackEvents } from './eventPack.js';
import type { DecryptJob, DecryptReply } from './parallelDecrypt.js';

// Below the thread it helps, so that it never slows that thread's garbage collection
// (helperPriority.ts).
lowerHelperPriority();

const port = parentPort!;

port.on('message', (job: DecryptJob) => {
  // Plaintext is never longer than its envelope: one buffer the size of the page's ciphertext.
  const plain = new ArrayBuffer(job.bytes.byteLength);
  const out = Buffer.from(plain);
  const ends = new Uint32Array(job.ends.length);
  const problems: [number, string][] = [];
  let written = 0;
  unpackEvents(job, (i, stored, key, binding) => {
    try {
      written += openEnvelope(key, stored, binding).copy(out, written);
    } catch (error) {
      problems.push([i, error instanceof EnvelopeError ? error.message : String(error)]);
    }
    ends[i] = written;
  });
  const reply: DecryptReply = { seq: job.seq, plain, ends, problems };
  port.postMessage(reply, [plain]);
});
