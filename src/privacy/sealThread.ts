/**
 * The seal thread (parallelSeal.ts): seals read-model values with the data keys the writing
 * thread looked up, in the order they were submitted, and signals each finished chunk through
 * a shared counter so the writer can wait for it without returning to the event loop (it waits
 * inside a write transaction). It sees data keys, plaintext and sealed values only.
 */
import { parentPort } from 'node:worker_threads';
import { lowerHelperPriority } from '../lib/helperPriority.js';
import { sealValue } from './sealedValue.js';
import type { SealChunk, SealDone, SealThreadSetup } from './parallelSeal.js';

// Below the thread it helps, so that it never slows that thread's garbage collection
// (helperPriority.ts).
lowerHelperPriority();

const KEY_BYTES = 32;

// One setup per sealer (parallelSeal.ts): each has its own port and counter.
parentPort!.on('message', ({ port, signal }: SealThreadSetup) => {
  const counter = new Int32Array(signal);
  port.on('message', (chunk: SealChunk) => {
    const keys = new Uint8Array(chunk.keys);
    const sealed = chunk.plaintexts.map((plaintext, i) =>
      sealValue(
        keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES),
        chunk.keyIds[i]!,
        chunk.subjects[i]!,
        chunk.purposes[i]!,
        plaintext,
      ),
    );
    keys.fill(0);
    // One buffer for the chunk, transferred: 128 values cross as one move, not 128 copies.
    const out = new ArrayBuffer(sealed.reduce((total, value) => total + value.length, 0));
    const bytes = new Uint8Array(out);
    const ends = new Uint32Array(sealed.length);
    let at = 0;
    sealed.forEach((value, i) => {
      bytes.set(value, at);
      at += value.length;
      ends[i] = at;
    });
    const done: SealDone = { first: chunk.first, sealed: out, ends };
    port.postMessage(done, [out]);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
});
