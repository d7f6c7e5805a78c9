/**
 * Short, stable content keys for tie-breaks and content hashes. A module of its own so that
 * event facts and fact ordering can both use it without importing each other.
 */
/** 32-bit FNV-1a as 8 hex digits: a short, stable content key for tie-breaks. */
export function hash(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** {@link hash} over bytes. */
export function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
