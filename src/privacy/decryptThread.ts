/**
 * The decrypt thread (parallelDecrypt.ts): opens the envelopes of a page of events with the
 * keys the reading thread looked up, so AES-GCM runs beside the projections instead of before
 * them. It sees ciphertext, data keys and plaintext only: no key store, no event store.
 */
import { parentPort } from 'node:worker_threads';
import { fnvOfBytes } from '../events/fnvHash.js';
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
  // The projections' content hash of each plaintext, while its bytes are at hand here: the
  // rebuild's main thread would otherwise read every plaintext once more for it (~1.3 µs an
  // event of ~570 bytes; fnvHash.ts).
  const fnv = new Uint32Array(job.ends.length);
  // And its UTF-8 decoding, which every projection parses: the page's texts cross as one string
  // (one copy), and the reading thread takes each event's as a slice of it.
  const texts: string[] = [];
  const textEnds = new Uint32Array(job.ends.length);
  let textLength = 0;
  const problems: [number, string][] = [];
  let written = 0;
  unpackEvents(job, (i, stored, key, binding) => {
    try {
      const opened = openEnvelope(key, stored, binding);
      written += opened.copy(out, written);
      fnv[i] = fnvOfBytes(opened);
      const text = opened.toString('utf8');
      texts.push(text);
      textLength += text.length;
    } catch (error) {
      problems.push([i, error instanceof EnvelopeError ? error.message : String(error)]);
    }
    ends[i] = written;
    textEnds[i] = textLength;
  });
  const text = texts.join('');
  const reply: DecryptReply = { seq: job.seq, plain, ends, fnv, text, textEnds, problems };
  port.postMessage(reply, [plain, fnv.buffer, textEnds.buffer]);
});
