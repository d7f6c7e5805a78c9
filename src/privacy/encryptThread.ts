/**
 * The encrypt thread (parallelEncrypt.ts): seals a turn's appended events into their envelopes
 * and hashes their plaintext, with the keys the appending thread looked up, so the ciphers run
 * beside the ingress instead of on its event loop. Like the decrypt thread it sees plaintext,
 * data keys and envelopes only: no key store, no event store.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { sealEnvelope } from './envelope.js';
import type { EncryptJob, EncryptReply } from './parallelEncrypt.js';

// Below the thread it helps (helperPriority.ts).
lowerHelperPriority();

const port = parentPort!;
const KEY_BYTES = 32;

port.on('message', (job: EncryptJob) => {
  try {
    port.postMessage(...encrypt(job));
  } catch (error) {
    // The appending thread seals the job's events itself.
    const reply: EncryptReply = { seq: job.seq, failed: String(error) };
    port.postMessage(reply);
  }
});

function encrypt(job: EncryptJob): [EncryptReply, ArrayBuffer[]] {
  const plain = Buffer.from(job.plain);
  const keys = Buffer.from(job.keys);
  // The appending thread sends only events whose ids and stream names hold no NUL.
  const bindings = job.bindings.split('\0');
  const count = job.ends.length;
  const envelopes: Buffer[] = [];
  let digests = '';
  let start = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const end = job.ends[i]!;
    const data = plain.subarray(start, end);
    const envelope = sealEnvelope(keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), data, {
      eventId: bindings[2 * i]!,
      streamName: bindings[2 * i + 1]!,
    });
    envelopes.push(envelope);
    total += envelope.length;
    digests += createHash('sha256').update(data).digest('hex');
    start = end;
  }
  keys.fill(0);
  const sealed = new ArrayBuffer(total);
  const out = Buffer.from(sealed);
  const ends = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    at += envelopes[i]!.copy(out, at);
    ends[i] = at;
  }
  return [{ seq: job.seq, sealed, ends, digests }, [sealed]];
}
