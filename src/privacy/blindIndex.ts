/**
 * Keyed blind index: an HMAC-SHA-256 of a normalised value under a key derived from the master
 * key (masterKey.ts), for read-model lookups (wallet address, name) without storing the value.
 * Without the master key the index cannot be recomputed, so it does not reveal low-entropy values
 * the way a plain hash would.
 */
import { createHmac } from 'node:crypto';
import { deriveBlindIndexKey, type MasterKey } from './masterKey.js';

export type BlindIndex = (value: string) => string;

/** Lower-cases and trims before hashing, so lookups match regardless of case (addresses, names). */
export function createBlindIndex(master: MasterKey, purpose?: string): BlindIndex {
  const key = deriveBlindIndexKey(master, purpose);
  return (value) =>
    createHmac('sha256', key)
      .update(value.trim().normalize('NFC').toLowerCase(), 'utf8')
      .digest('hex');
}
