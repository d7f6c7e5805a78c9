/**
 * Random AES-GCM nonces drawn from the CSPRNG in blocks. One `randomBytes` call costs several
 * microseconds whatever its size (a profile of the ingress put 9 µs of its main thread per
 * request there), so IVs come from a 6 KiB block refilled every 512 IVs. The bytes are the
 * same CSPRNG output either way; each IV is handed out once.
 */
import { randomBytes } from 'node:crypto';

export const IV_BYTES = 12;
const IVS_PER_BLOCK = 512;

let block = Buffer.alloc(0);
let offset = 0;

/** A fresh 12-byte random IV (a view into the current block: copy it if it must outlive it). */
export function nextIv(): Buffer {
  if (offset + IV_BYTES > block.length) {
    block = randomBytes(IV_BYTES * IVS_PER_BLOCK);
    offset = 0;
  }
  offset += IV_BYTES;
  return block.subarray(offset - IV_BYTES, offset);
}
