/**
 * The encrypt thread (parallelEncrypt.ts): seals a turn's appended events into their envelopes
 * and hashes their plaintext, with the keys the appending thread looked up, so the ciphers run
 * beside the ingress instead of on its event loop. Like the decrypt thread it sees plaintext,
 * data keys and envelopes only: no key store, no event store.
 */
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { plaintextSha256Of } from './encryptionMetadata.js';
import { sealEnvelope } from './envelope.js';
import { unpackEvents } from './eventPack.js';
import type { EncryptJob, EncryptReply } from './parallelEncrypt.js';

// Below the thread it helps (helperPriority.ts).
lowerHelperPriority();

const port = parentPort!;

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
  const envelopes: Buffer[] = [];
  let digests = '';
  let total = 0;
  unpackEvents(job, (_i, data, key, binding) => {
    const envelope = sealEnvelope(key, data, binding);
    envelopes.push(envelope);
    total += envelope.length;
    digests += plaintextSha256Of(data);
  });
  const sealed = new ArrayBuffer(total);
  const out = Buffer.from(sealed);
  const ends = new Uint32Array(envelopes.length);
  let at = 0;
  envelopes.forEach((envelope, i) => {
    at += envelope.copy(out, at);
    ends[i] = at;
  });
  return [{ seq: job.seq, sealed, ends, digests }, [sealed]];
}
